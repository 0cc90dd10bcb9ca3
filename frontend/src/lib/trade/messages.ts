// The trade form's strings live in messages/<locale>/trade.json (next-intl's "trade" namespace).
// The form's logic (form.ts) takes the translator as a plain function so that it stays free of
// React; components pass useTranslations("trade") through ``asTradeT``.
import type { useTranslations } from "next-intl";
import en from "../../../messages/en/trade.json";

export type MessageValues = Record<string, string | number>;
export type TradeT = (key: string, values?: MessageValues) => string;

/** The keys are built from codes ("errors." + code), so the typed translator is called loosely. */
export function asTradeT(t: ReturnType<typeof useTranslations<"trade">>): TradeT {
  return (key, values) => (t as unknown as TradeT)(key, values);
}

/** Server error codes the trade namespace translates (errors.<code>). */
export const TRANSLATED_ERRORS: ReadonlySet<string> = new Set(Object.keys(en.errors));
