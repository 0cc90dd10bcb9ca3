// Every error code the API can return (frontend/src/lib/api/error-codes.json, written by
// `manage.py dump_error_codes` and checked against the server by tests/site/test_error_codes.py)
// has a message in every language.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createTranslator } from "next-intl";
import enErrors from "../../messages/en/errors.json";
import viErrors from "../../messages/vi/errors.json";
import serverCodes from "@/lib/api/error-codes.json";
import { ApiError, CLIENT_ERROR_CODES, localizeError, type ErrorTranslator } from "@/lib/api/errors";

const LANGUAGES = { en: enErrors, vi: viErrors } as const;

function translator(locale: keyof typeof LANGUAGES): ErrorTranslator {
  return createTranslator({ locale, messages: { errors: LANGUAGES[locale] }, namespace: "errors" }) as unknown as ErrorTranslator;
}

describe("API error codes", () => {
  it("are read from the server's list", () => {
    expect(serverCodes.length).toBeGreaterThan(30);
    expect(serverCodes).toContain("oversell");
  });

  it.each(Object.keys(LANGUAGES))("each has a %s message", (locale) => {
    const codes = (LANGUAGES[locale as keyof typeof LANGUAGES] as { codes: Record<string, string> }).codes;
    const missing = [...serverCodes, ...CLIENT_ERROR_CODES].filter((code) => !codes[code]?.trim());
    expect(missing, `add these to messages/${locale}/errors.json`).toEqual([]);
  });

  it("include every code the Next.js session routes answer with", () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : [join(dir, name)]));
    const source = ["src/app/api", "src/lib/server", "src/lib/api"].flatMap(files).map((file) => readFileSync(file, "utf8")).join("\n");
    const used = [...source.matchAll(/errorResponse\([^,]+,\s*"([a-z_]+)"|new ApiError\([^,]+,\s*"([a-z_]+)"|code: "([a-z_]+)"/g)].map((m) => m[1] ?? m[2] ?? m[3]);
    expect(used.length).toBeGreaterThan(5);
    const known = new Set<string>([...serverCodes, ...CLIENT_ERROR_CODES]);
    expect(used.filter((code) => !known.has(code!))).toEqual([]);
  });

  it("show the user's language, falling back to the server's text for an unknown code", () => {
    const oversell = new ApiError(422, "oversell", "Cannot sell 200 FPT: only 100 held.");
    expect(localizeError(oversell, translator("vi"))).toBe("Không thể bán nhiều hơn số cổ phiếu đang nắm giữ.");
    expect(localizeError(oversell, translator("en"))).toBe("You cannot sell more shares than you hold.");
    const unknown = new ApiError(400, "brand_new_code", "A brand new problem.");
    expect(localizeError(unknown, translator("vi"))).toBe("A brand new problem.");
    expect(localizeError(new TypeError("Failed to fetch"), translator("vi"))).toBe(viErrors.codes.network);
  });
});
