// Render components inside next-intl's provider with the real message files, in either language.
import { render, type RenderOptions } from "@testing-library/react";
import { NextIntlClientProvider } from "next-intl";
import type { ReactElement } from "react";
import { loadMessages, type Messages } from "@/i18n/messages";
import type { Locale } from "@/i18n/config";
import { VN_TZ } from "@/lib/format";

const cache = new Map<Locale, Messages>();

/** Loads both languages' messages once (call from beforeAll). */
export async function loadTestMessages(): Promise<void> {
  for (const locale of ["vi", "en"] as const) if (!cache.has(locale)) cache.set(locale, await loadMessages(locale));
}

export function renderIntl(ui: ReactElement, locale: Locale = "vi", options?: Omit<RenderOptions, "wrapper">) {
  const messages = cache.get(locale);
  if (!messages) throw new Error("call loadTestMessages() in beforeAll first");
  return render(ui, {
    ...options,
    wrapper: ({ children }) => (
      <NextIntlClientProvider locale={locale} messages={messages} timeZone={VN_TZ}>
        {children}
      </NextIntlClientProvider>
    ),
  });
}
