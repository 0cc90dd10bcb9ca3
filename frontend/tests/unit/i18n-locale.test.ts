import { describe, expect, it } from "vitest";
import { localeFromAcceptLanguage, resolveLocale } from "@/i18n/config";

describe("the client's language", () => {
  it("takes the NEXT_LOCALE cookie first", () => {
    expect(resolveLocale("en", "vi-VN,vi;q=0.9")).toBe("en");
    expect(resolveLocale("vi", "en-US,en;q=0.9")).toBe("vi");
  });

  it("ignores a cookie naming a language the client does not speak", () => {
    expect(resolveLocale("fr", "vi-VN,vi;q=0.9")).toBe("vi");
  });

  it("is Vietnamese when the browser prefers vi", () => {
    expect(resolveLocale(undefined, "vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7")).toBe("vi");
    expect(resolveLocale(undefined, "en;q=0.5, vi;q=0.8")).toBe("vi");
  });

  it("is English when the browser prefers English or says nothing useful", () => {
    expect(resolveLocale(undefined, "en-US,en;q=0.9,vi;q=0.8")).toBe("en");
    expect(resolveLocale(undefined, "fr-FR,fr;q=0.9")).toBe("en");
    expect(resolveLocale(undefined, null)).toBe("en");
    expect(resolveLocale(undefined, "")).toBe("en");
  });

  it("skips languages the browser refuses (q=0) and the ones the client lacks", () => {
    expect(localeFromAcceptLanguage("vi;q=0, en")).toBe("en");
    expect(localeFromAcceptLanguage("ja, vi;q=0.3")).toBe("vi");
    expect(localeFromAcceptLanguage("de")).toBeNull();
  });
});

describe("the language switcher", () => {
  it("remembers the choice in the NEXT_LOCALE cookie for a year", async () => {
    const { rememberLocale } = await import("@/components/layout/locale-switcher");
    rememberLocale("vi");
    expect(document.cookie).toContain("NEXT_LOCALE=vi");
    rememberLocale("en");
    expect(document.cookie).toContain("NEXT_LOCALE=en");
    expect(resolveLocale(document.cookie.match(/NEXT_LOCALE=(\w+)/)?.[1], "vi-VN")).toBe("en");
  });
});
