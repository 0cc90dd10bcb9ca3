// The trade form's logic, free of React: which fields a kind uses, the typed text turned into the
// API's input, the price prefilled from the live quote, and the server's errors and the preview's
// problems placed beside the field they concern, in the user's language.
import type { ApiError } from "@/lib/api/errors";
import type { Quote, TransactionInput, TransactionKind, TransactionPreview } from "@/lib/api/types";
import { TRANSLATED_ERRORS, type TradeT } from "./messages";
import { groupThousands, parseWhole, wholeText } from "./numbers";

export const uses = {
  symbol: (k: TransactionKind) => ["BUY", "SELL", "DIVIDEND", "STOCK_DIVIDEND", "RIGHTS_SUBSCRIPTION", "SHARE_CONSOLIDATION"].includes(k),
  quantity: (k: TransactionKind) => ["BUY", "SELL", "STOCK_DIVIDEND", "RIGHTS_SUBSCRIPTION", "SHARE_CONSOLIDATION"].includes(k),
  price: (k: TransactionKind) => ["BUY", "SELL", "RIGHTS_SUBSCRIPTION"].includes(k),
  amount: (k: TransactionKind) => ["DEPOSIT", "WITHDRAWAL", "DIVIDEND", "FEE", "INTEREST"].includes(k),
  fee: (k: TransactionKind) => ["BUY", "SELL"].includes(k),
  tax: (k: TransactionKind) => ["SELL", "DIVIDEND"].includes(k),
};

export type TradeValues = {
  kind: TransactionKind;
  symbol: string;
  quantity: string;
  price: string;
  amount: string;
  fee: string;
  tax: string;
  trade_date: string;
  note: string;
};

export type TradeField = keyof TradeValues;
export type InputProblem = "required" | "invalid" | "invalidSymbol";

export const EMPTY_VALUES: TradeValues = {
  kind: "BUY",
  symbol: "",
  quantity: "",
  price: "",
  amount: "",
  fee: "",
  tax: "",
  trade_date: "",
  note: "",
};

const SYMBOL = /^[A-Z0-9]{1,12}$/;

/** The API input for the typed values, or the problems that keep it from being sent. */
export function buildInput(values: TradeValues): { input: TransactionInput | null; problems: Partial<Record<TradeField, InputProblem>> } {
  const { kind } = values;
  const problems: Partial<Record<TradeField, InputProblem>> = {};
  const input: TransactionInput = { kind, trade_date: values.trade_date };
  if (!values.trade_date) problems.trade_date = "required";
  if (uses.symbol(kind)) {
    const symbol = values.symbol.trim().toUpperCase();
    if (!symbol) problems.symbol = "required";
    else if (!SYMBOL.test(symbol)) problems.symbol = "invalidSymbol";
    else input.symbol = symbol;
  }
  const whole = (field: "quantity" | "price" | "amount" | "fee" | "tax", required: boolean): string | undefined => {
    const parsed = parseWhole(values[field]);
    if (parsed.ok) return parsed.value;
    if (parsed.reason === "invalid" || required) problems[field] = parsed.reason === "empty" ? "required" : "invalid";
    return undefined;
  };
  if (uses.quantity(kind)) {
    const quantity = whole("quantity", true);
    if (quantity !== undefined) input.quantity = Number(quantity);
  }
  if (uses.price(kind)) input.price = whole("price", true);
  if (uses.amount(kind)) input.amount = whole("amount", true);
  if (uses.fee(kind)) {
    const fee = whole("fee", false);
    if (fee !== undefined) input.fee = fee;
  }
  if (uses.tax(kind)) {
    const tax = whole("tax", false);
    if (tax !== undefined) input.tax = tax;
  }
  const note = values.note.trim();
  if (note) input.note = note;
  return { input: Object.keys(problems).length ? null : input, problems };
}

/**
 * The live price for a BUY or SELL dated today, while the user has not typed one: the last matched
 * price, as the form shows it ("108.600"). Null when nothing should be prefilled.
 */
export function prefilledPrice({
  kind,
  tradeDate,
  today,
  touched,
  quote,
  separator = ".",
}: {
  kind: TransactionKind;
  tradeDate: string;
  today: string;
  touched: boolean;
  quote: Pick<Quote, "price"> | null | undefined;
  separator?: string;
}): string | null {
  // a market trade only: a rights subscription has its own fixed price
  if (touched || (kind !== "BUY" && kind !== "SELL") || tradeDate !== today || !quote) return null;
  const price = Number(quote.price);
  return Number.isFinite(price) && price > 0 ? wholeText(quote.price, separator) : null;
}

// Where a refusal without field messages belongs.
const CODE_FIELD: Record<string, (kind: TransactionKind) => TradeField | null> = {
  oversell: () => "quantity",
  unsettled_shares: () => "quantity",
  insufficient_cash: (kind) => (uses.price(kind) ? "price" : "amount"),
  unknown_symbol: () => "symbol",
  inactive_symbol: () => "symbol",
  not_tradable: () => "symbol",
  non_trading_day: () => "trade_date",
  future_date: () => "trade_date",
  price_off_tick_grid: () => "price",
  price_outside_band: () => "price",
};

const FORM_FIELDS: readonly TradeField[] = ["kind", "symbol", "quantity", "price", "amount", "fee", "tax", "trade_date", "note"];

function text(value: unknown): string {
  return typeof value === "string" || typeof value === "number" ? String(value) : "";
}

function groupedText(value: unknown, separator: string): string {
  const digits = text(value);
  return /^\d+(\.0+)?$/.test(digits) ? groupThousands(String(Math.round(Number(digits))), separator) : digits;
}

/** The localized message of an error code, filled from the error's context; null when the code has none. */
export function codeMessage(code: string, raw: Record<string, unknown>, t: TradeT, separator = "."): string | null {
  const grouped = (value: unknown) => groupedText(value, separator);
  if (code === "price_off_tick_grid") {
    const [below, above] = Array.isArray(raw.nearest_prices) ? raw.nearest_prices : [];
    return t("errors.price_off_tick_grid", { tick: grouped(raw.tick_size), below: grouped(below), above: grouped(above) });
  }
  if (code === "price_outside_band") return t("errors.price_outside_band", { floor: grouped(raw.floor), ceiling: grouped(raw.ceiling) });
  if (code === "oversell" || code === "insufficient_cash") {
    return t(`problems.${code}`, { requested: grouped(raw.requested), available: grouped(raw.available) });
  }
  if (code === "unsettled_shares") {
    return raw.settles_on
      ? t("problems.unsettled_shares_on", { available: grouped(raw.available), date: text(raw.settles_on) })
      : t("problems.unsettled_shares", { available: grouped(raw.available) });
  }
  return TRANSLATED_ERRORS.has(code) ? t(`errors.${code}`) : null;
}

/**
 * A failed write or preview as messages beside the fields, plus what fits no field. The code's
 * localized message wins; else the server's own (English) text.
 */
export function placeError(error: ApiError | null, kind: TransactionKind, t: TradeT, separator = "."): { fields: Partial<Record<TradeField, string>>; unplaced: string | null } {
  if (!error) return { fields: {}, unplaced: null };
  const fields: Partial<Record<TradeField, string>> = {};
  const target = CODE_FIELD[error.code]?.(kind) ?? null;
  const localized = codeMessage(error.code, error.raw, t, separator);
  for (const name of FORM_FIELDS) {
    const message = error.field(name);
    if (message) fields[name] = name === target && localized ? localized : message;
  }
  if (target && !fields[target]) fields[target] = localized ?? error.message;
  const placed = Object.keys(fields).length > 0;
  return { fields, unplaced: placed ? null : (localized ?? error.message) };
}

export type ShownProblem = { code: string; field: TradeField | null; message: string };

/** The preview's problems, localized, each with the field it concerns (null: a later transaction). */
export function previewProblems(preview: Pick<TransactionPreview, "problems" | "kind"> | null | undefined, t: TradeT, separator = "."): ShownProblem[] {
  if (!preview) return [];
  const kind = preview.kind as TransactionKind;
  return preview.problems.map((problem) => {
    if (problem.transaction_id !== null) {
      return { code: problem.code, field: null, message: t("problems.later", { id: problem.transaction_id, message: problem.message }) };
    }
    const message = codeMessage(problem.code, problem.details, t, separator) ?? problem.message;
    return { code: problem.code, field: CODE_FIELD[problem.code]?.(kind) ?? null, message };
  });
}
