// The journey's text selectors come from the client's own message files, in the run's language
// (E2E_LOCALE): `t("trade.actions.add")` is what the page shows, in Vietnamese or in English.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { E2E_LOCALE } from "./browser";

type Tree = { [key: string]: string | Tree };

function load(locale: string): Record<string, Tree> {
  const dir = path.resolve(import.meta.dirname, "../../messages", locale);
  return Object.fromEntries(
    readdirSync(dir)
      .filter((file) => file.endsWith(".json"))
      .map((file) => [file.replace(/\.json$/, ""), JSON.parse(readFileSync(path.join(dir, file), "utf8")) as Tree]),
  );
}

const messages = load(E2E_LOCALE);

/** The message `namespace.key.path` of the run's locale, with `{name}` placeholders filled in. Throws on a missing key. */
export function t(key: string, values: Record<string, string | number> = {}): string {
  let node: string | Tree | undefined = messages;
  for (const part of key.split(".")) node = typeof node === "object" ? node[part] : undefined;
  if (typeof node !== "string") throw new Error(`no message ${key} in messages/${E2E_LOCALE}`);
  return node.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** A whole number as the client writes it in the run's locale (vi: 150.000, en: 150,000). */
export function whole(value: number): string {
  return new Intl.NumberFormat(E2E_LOCALE === "vi" ? "vi-VN" : "en-US", { maximumFractionDigits: 0 }).format(value);
}

/** The message as a pattern: its placeholders match anything (`Actions for transaction {id}` -> /^Actions for transaction .+$/). */
export function tPattern(key: string): RegExp {
  const escaped = t(key)
    .split(/\{\w+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join(".+")}$`);
}
