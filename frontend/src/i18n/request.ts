// next-intl's per-request configuration (without i18n routing): the locale from the cookie or the
// browser, that locale's messages, and Vietnam's time zone for dates.
import { cookies, headers } from "next/headers";
import { getRequestConfig } from "next-intl/server";
import { LOCALE_COOKIE, resolveLocale } from "./config";
import { loadMessages } from "./messages";
import { VN_TZ } from "@/lib/format";

export default getRequestConfig(async () => {
  const locale = resolveLocale((await cookies()).get(LOCALE_COOKIE)?.value, (await headers()).get("accept-language"));
  return { locale, messages: await loadMessages(locale), timeZone: VN_TZ };
});
