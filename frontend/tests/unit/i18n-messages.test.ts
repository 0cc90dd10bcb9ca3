// @vitest-environment node
// Every namespace exists in every language with exactly the same keys, and the loader knows it.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LOCALES } from "@/i18n/config";
import { loadMessages, NAMESPACES } from "@/i18n/messages";

const root = fileURLToPath(new URL("../../messages/", import.meta.url));

function keys(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object") return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => keys(child, prefix ? `${prefix}.${key}` : key));
}

function read(locale: string, file: string): unknown {
  return JSON.parse(readFileSync(`${root}${locale}/${file}`, "utf8"));
}

describe("message files", () => {
  it("are the same namespaces in every language, all of them loaded", () => {
    for (const locale of LOCALES) {
      const files = readdirSync(`${root}${locale}`).filter((f) => f.endsWith(".json")).map((f) => f.replace(/\.json$/, ""));
      expect(files.sort(), locale).toEqual([...NAMESPACES].sort());
    }
  });

  it.each(NAMESPACES.map((ns) => [ns]))("%s has the same keys in vi and en, none empty", (namespace) => {
    const vi = read("vi", `${namespace}.json`);
    const en = read("en", `${namespace}.json`);
    expect(keys(vi).sort()).toEqual(keys(en).sort());
    for (const [locale, messages] of [["vi", vi], ["en", en]] as const) {
      for (const key of keys(messages)) {
        const value = key.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], messages);
        expect(typeof value === "string" && value.trim() !== "", `${locale}:${namespace}.${key}`).toBe(true);
      }
    }
  });

  it("are merged by the loader under their namespace", async () => {
    const vi = await loadMessages("vi");
    expect(Object.keys(vi).sort()).toEqual([...NAMESPACES].sort());
    expect(vi.nav.portfolio).toBe("Danh mục");
  });
});
