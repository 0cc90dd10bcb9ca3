import { createTranslator } from "next-intl";
import { describe, expect, test } from "vitest";
import en from "../../messages/en/trade.json";
import vi from "../../messages/vi/trade.json";
import { ApiError } from "@/lib/api/errors";
import type { TransactionPreview } from "@/lib/api/types";
import { EMPTY_VALUES, buildInput, placeError, prefilledPrice, previewProblems, type TradeValues } from "@/lib/trade/form";
import type { TradeT } from "@/lib/trade/messages";

/** next-intl's own translator over the committed message files. */
function tradeT(messages: typeof en, locale: "en" | "vi" = "en"): TradeT {
  const t = createTranslator({ locale, messages: { trade: messages }, namespace: "trade" });
  return (key, values) => (t as unknown as TradeT)(key, values);
}

/** The raw message at a dotted key. */
function lookup(messages: unknown, key: string): string {
  return key.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], messages) as string;
}

const t = tradeT(en);
const buy = (values: Partial<TradeValues> = {}): TradeValues => ({
  ...EMPTY_VALUES,
  kind: "BUY",
  symbol: "fpt",
  quantity: "1.000",
  price: "108.600",
  trade_date: "2026-12-07",
  ...values,
});

describe("buildInput", () => {
  test("test_a_buy_typed_with_dots_is_sent_as_whole_numbers", () => {
    expect(buildInput(buy())).toEqual({
      input: { kind: "BUY", symbol: "FPT", quantity: 1000, price: "108600", trade_date: "2026-12-07" },
      problems: {},
    });
  });

  test("test_an_explicit_fee_and_a_note_go_along_and_an_empty_fee_is_derived", () => {
    expect(buildInput(buy({ fee: "150.000", note: "  first  " })).input).toMatchObject({ fee: "150000", note: "first" });
    expect(buildInput(buy()).input).not.toHaveProperty("fee");
  });

  test("test_missing_and_malformed_fields_keep_the_input_from_being_sent", () => {
    const built = buildInput(buy({ symbol: "", quantity: "", price: "108.6" }));
    expect(built.input).toBeNull();
    expect(built.problems).toEqual({ symbol: "required", quantity: "required", price: "invalid" });
    expect(buildInput(buy({ symbol: "sữa" })).problems).toEqual({ symbol: "invalidSymbol" });
    expect(buildInput(buy({ fee: "abc" })).problems).toEqual({ fee: "invalid" });
  });

  test("test_each_kind_sends_only_its_own_fields", () => {
    const deposit = buildInput({ ...buy(), kind: "DEPOSIT", amount: "200.000.000" });
    expect(deposit.input).toEqual({ kind: "DEPOSIT", amount: "200000000", trade_date: "2026-12-07" });
    const dividend = buildInput({ ...buy(), kind: "DIVIDEND", amount: "1.500.000", tax: "75.000" });
    expect(dividend.input).toEqual({ kind: "DIVIDEND", symbol: "FPT", amount: "1500000", tax: "75000", trade_date: "2026-12-07" });
  });
});

describe("prefilledPrice", () => {
  const quote = { price: "108600.00" };
  const base = { kind: "BUY" as const, tradeDate: "2026-12-07", today: "2026-12-07", touched: false, quote };

  test("test_todays_trade_takes_the_last_price", () => {
    expect(prefilledPrice(base)).toBe("108.600");
    expect(prefilledPrice({ ...base, kind: "SELL" })).toBe("108.600");
  });

  test("test_nothing_is_prefilled_once_typed_for_another_day_without_a_quote_or_a_price_field", () => {
    expect(prefilledPrice({ ...base, touched: true })).toBeNull();
    expect(prefilledPrice({ ...base, tradeDate: "2026-12-04" })).toBeNull();
    expect(prefilledPrice({ ...base, quote: null })).toBeNull();
    expect(prefilledPrice({ ...base, kind: "DIVIDEND" })).toBeNull();
    expect(prefilledPrice({ ...base, kind: "RIGHTS_SUBSCRIPTION" })).toBeNull();
  });
});

describe("placeError", () => {
  test("test_an_off_grid_price_is_explained_beside_the_price_in_the_users_language", () => {
    const error = new ApiError(400, "price_off_tick_grid", "FPT: 108,650 VND is not on the HOSE price grid", { price: ["108,650 VND is not on the HOSE grid"] }, {
      price: ["108,650 VND is not on the HOSE grid"],
      tick_size: "100",
      nearest_prices: ["108600", "108700"],
    });
    expect(placeError(error, "BUY", t)).toEqual({
      fields: { price: "Not on the exchange's price steps (100 VND here): use 108.600 or 108.700." },
      unplaced: null,
    });
    expect(placeError(error, "BUY", tradeT(vi, "vi")).fields.price).toBe("Giá không đúng bước giá của sàn (100 ₫): dùng 108.600 hoặc 108.700.");
  });

  test("test_a_price_outside_the_band_names_floor_and_ceiling", () => {
    const error = new ApiError(400, "price_outside_band", "outside", { price: ["outside"] }, { price: ["outside"], floor: "93000", ceiling: "107000", reference: "100000" });
    expect(placeError(error, "BUY", t).fields.price).toBe("Outside today's band: floor 93.000, ceiling 107.000.");
  });

  test("test_ledger_refusals_without_field_messages_go_beside_their_field", () => {
    const unsettled = new ApiError(422, "unsettled_shares", "New transaction (…): cannot sell", {}, { available: "0", requested: "100" });
    expect(placeError(unsettled, "SELL", t).fields).toEqual({ quantity: "Only 0 of these shares have settled by that date (T+2)." });
    const cash = new ApiError(422, "insufficient_cash", "needs more", {}, { available: "5", requested: "10" });
    expect(placeError(cash, "BUY", t).fields).toEqual({ price: "Not enough cash: needs 10 VND, 5 VND available." });
    expect(placeError(cash, "WITHDRAWAL", t).fields).toHaveProperty("amount");
  });

  test("test_an_unknown_code_keeps_the_servers_text_and_field_messages", () => {
    const error = new ApiError(400, "invalid", "quantity: Must be positive.", { quantity: ["Must be positive."] });
    expect(placeError(error, "BUY", t)).toEqual({ fields: { quantity: "Must be positive." }, unplaced: null });
    const conflict = new ApiError(409, "conflict", "Something clashed.");
    expect(placeError(conflict, "BUY", t)).toEqual({ fields: {}, unplaced: "Something clashed." });
    expect(placeError(null, "BUY", t)).toEqual({ fields: {}, unplaced: null });
  });
});

describe("previewProblems", () => {
  const preview = (problems: TransactionPreview["problems"]) => ({ kind: "SELL" as const, problems });

  test("test_unsettled_shares_say_when_they_settle", () => {
    const shown = previewProblems(
      preview([{ code: "unsettled_shares", message: "cannot sell", severity: "error", transaction_id: null, details: { available: "0", requested: "1000", settles_on: "2025-03-05" } }]),
      t,
    );
    expect(shown).toEqual([{ code: "unsettled_shares", field: "quantity", message: "Only 0 of these shares have settled by that date (T+2); enough settle on 2025-03-05." }]);
  });

  test("test_a_later_transaction_broken_by_the_change_is_named", () => {
    const shown = previewProblems(
      preview([{ code: "oversell", message: "Transaction 7 (2025-03-10 SELL FPT): cannot sell", severity: "error", transaction_id: 7, details: {} }]),
      t,
    );
    expect(shown[0]).toEqual({ code: "oversell", field: null, message: "Transaction #7 would break: Transaction 7 (2025-03-10 SELL FPT): cannot sell" });
  });
});

describe("messages", () => {
  const keysOf = (node: unknown, prefix = ""): string[] =>
    node && typeof node === "object"
      ? Object.entries(node as Record<string, unknown>).flatMap(([key, value]) => keysOf(value, prefix ? `${prefix}.${key}` : key))
      : [prefix];

  test("test_vietnamese_and_english_have_the_same_keys_and_placeholders", () => {
    expect(keysOf(vi).sort()).toEqual(keysOf(en).sort());
    for (const key of keysOf(en)) {
      const placeholders = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();
      expect(placeholders(lookup(vi, key)), key).toEqual(placeholders(lookup(en, key)));
    }
  });

  test("test_every_server_code_the_form_places_has_a_message", () => {
    for (const code of ["price_off_tick_grid", "price_outside_band", "unknown_symbol", "inactive_symbol", "not_tradable", "non_trading_day", "future_date"]) {
      expect(lookup(en, `errors.${code}`), code).toBeTypeOf("string");
    }
    for (const code of ["insufficient_cash", "unsettled_shares", "oversell"]) {
      expect(lookup(en, `problems.${code}`), code).toBeTypeOf("string");
    }
  });
});
