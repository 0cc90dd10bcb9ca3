// The trade form's strings live in messages/<locale>/trade.json (the i18n layout: one file per
// namespace). Until the client's i18n provider is in place, `translate` reads them with the same
// "{name}" placeholders next-intl uses, so moving to useTranslations("trade") changes one import.
import en from "../../../messages/en/trade.json";

export type TradeMessages = typeof en;
export type MessageValues = Record<string, string | number>;
export type TradeT = (key: string, values?: MessageValues) => string;

/** The message at a dotted key ("preview.gross") with its {placeholders} filled; the key itself when missing. */
export function translate(messages: unknown, key: string, values: MessageValues = {}): string {
  let node: unknown = messages;
  for (const part of key.split(".")) {
    node = node && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined;
  }
  if (typeof node !== "string") return key;
  return node.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

export function hasMessage(messages: unknown, key: string): boolean {
  return translate(messages, key) !== key;
}

export const tradeMessages = { en };

/** The trade namespace's translator (English until the locale provider lands). */
export function tradeT(messages: unknown = en): TradeT {
  return (key, values) => translate(messages, key, values);
}
