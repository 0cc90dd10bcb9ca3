// The client's languages. No locale in the URL: the NEXT_LOCALE cookie (set by the header's switcher)
// wins, else the browser's Accept-Language (Vietnamese when it prefers vi over en), else English.

export const LOCALES = ["vi", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";
export const LOCALE_COOKIE = "NEXT_LOCALE";
/** A year, in seconds: the choice is remembered. */
export const LOCALE_COOKIE_MAX_AGE = 365 * 24 * 60 * 60;

/** The Intl locale for numbers and dates of each client language. */
export const INTL_LOCALE: Record<Locale, string> = { vi: "vi-VN", en: "en-US" };

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/** The supported language the Accept-Language header ranks highest (ties keep the header's order). */
export function localeFromAcceptLanguage(header: string | null | undefined): Locale | null {
  if (!header) return null;
  const ranked = header
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      const weight = q ? Number(q.slice(2)) : 1;
      return { language: tag.trim().toLowerCase().split("-")[0], weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((entry) => entry.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const { language } of ranked) if (isLocale(language)) return language;
  return null;
}

export function resolveLocale(cookie: string | null | undefined, acceptLanguage: string | null | undefined): Locale {
  if (isLocale(cookie)) return cookie;
  return localeFromAcceptLanguage(acceptLanguage) ?? DEFAULT_LOCALE;
}
