import { describe, expect, test } from "vitest";
import type { ClosedDayLine, Holding, PortfolioSummary } from "@/lib/api/types";
import { liveValuation, roundHalfUp, symbolAllocation } from "@/lib/valuation";

const holding = (overrides: Partial<Holding>): Holding =>
  ({
    symbol: "FPT",
    name: "FPT",
    exchange: "HOSE",
    industry: "Tech",
    type: "stock",
    quantity: 1000,
    settled_quantity: 1000,
    avg_cost: "95000",
    cost_basis: "95000000",
    last_price: "100000",
    price_source: "quote",
    price_as_of: null,
    market_value: "100000000",
    unrealized_pnl: "5000000",
    unrealized_pnl_pct: "5.26",
    realized_pnl: "0",
    trading_day: "2026-03-02",
    reference_price: "98000",
    day_base_quantity: "1000",
    day_bought_value: "0",
    day_sold_value: "0",
    day_change: "2000000",
    day_change_pct: "2.04",
    weight: "50.00",
    ...overrides,
  }) as Holding;

const summary = { cash: "100000000", day_change: "2000000", day_change_pct: "2.04", day_closed: [] as ClosedDayLine[] } as PortfolioSummary;

describe("liveValuation", () => {
  test("test_without_new_ticks_it_reproduces_the_server_figures", () => {
    const { rows, totals } = liveValuation([holding({})], summary, {});
    expect(totals.totalValue).toBe(200_000_000);
    expect(totals.dayChange).toBe(2_000_000);
    expect(rows[0]!.livePnl).toBe(5_000_000);
    expect(rows[0]!.liveWeight).toBe(50);
  });

  test("test_a_tick_reprices_the_holding_and_moves_the_day_change_by_the_difference", () => {
    // Given the server valued FPT at 100.000 with a day change of 2.000.000
    // When a tick at 101.000 arrives
    const { rows, totals } = liveValuation([holding({})], summary, { FPT: { price: "101000", change: "3000" } });
    // Then value and day change move by 1.000 x 1.000 shares
    expect(rows[0]!.liveValue).toBe(101_000_000);
    expect(rows[0]!.liveDayChange).toBe(3_000_000);
    expect(totals.totalValue).toBe(201_000_000);
    expect(totals.unrealizedPnl).toBe(6_000_000);
    expect(totals.dayChangePct).toBe(3.06); // 3,000,000 / (1,000 x 98,000), two decimals as the API
  });

  test("test_without_a_server_day_change_it_uses_the_quote_change_per_share", () => {
    const unknown = { day_change: null, day_base_quantity: null, day_bought_value: null, day_sold_value: null, reference_price: null };
    const { rows } = liveValuation([holding({ ...unknown, last_price: null })], summary, { FPT: { price: "101000", change: "1500" } });
    expect(rows[0]!.liveDayChange).toBe(1_500_000);
  });

  test("test_an_unpriced_holding_is_valued_as_the_server_did", () => {
    const { rows } = liveValuation([holding({ last_price: null, market_value: "95000000", day_change: null, reference_price: null })], summary, {});
    expect(rows[0]!.liveValue).toBe(95_000_000);
    expect(rows[0]!.liveDayChange).toBeNull();
  });

  test("test_an_empty_portfolio_is_worth_its_cash", () => {
    const { rows, totals } = liveValuation([], summary, {});
    expect(rows).toEqual([]);
    expect(totals.totalValue).toBe(100_000_000);
  });

  test("test_shares_bought_today_move_from_their_buy_price_not_the_reference", () => {
    // Given 1,000 FPT bought today at 108,600 (nothing held at yesterday's close), reference 109,900
    const bought = holding({ last_price: "108600", day_base_quantity: "0", day_bought_value: "108600000", reference_price: "109900", day_change: "0" });
    // When FPT trades at 108,700
    const { rows, totals } = liveValuation([bought], { ...summary, cash: "0" }, { FPT: { price: "108700", change: "-1200" } });
    // Then the day is +100,000, not 1,000 x (108,700 - 109,900)
    expect(rows[0]!.liveDayChange).toBe(100_000);
    expect(totals.dayChange).toBe(100_000);
    expect(totals.dayChangePct).toBe(0.09);
  });

  test("test_a_symbol_sold_out_today_stays_in_the_day_total", () => {
    const soldFpt = { symbol: "FPT", name: "FPT", last_price: "108700", reference_price: "109900", day_base_quantity: "1000", day_bought_value: "0", day_sold_value: "110000000", day_change: "100000" } as ClosedDayLine;
    const vnm = holding({ symbol: "VNM", quantity: "100", last_price: "61000", reference_price: "60500", day_base_quantity: "100", market_value: "6100000", day_change: "50000" });
    const { totals } = liveValuation([vnm], { ...summary, day_closed: [soldFpt] }, { VNM: { price: "61000", change: "500" } });
    expect(totals.dayChange).toBe(150_000); // VNM's 50,000 + FPT sold at 110,000 against 109,900
  });

  test("test_the_by_symbol_allocation_is_the_api_s_with_cash_as_its_own_slice", () => {
    const { rows, totals } = liveValuation([holding({})], summary, {});
    const slices = symbolAllocation(rows, totals);
    // the API: holdings' weights of the total value, cash included, then cash
    expect(slices.map((s) => [s.key, s.weight])).toEqual([
      ["FPT", Number(holding({}).weight)],
      ["CASH", 50],
    ]);
    expect(slices.reduce((a, s) => a + s.value, 0)).toBe(totals.totalValue);
  });

  test("test_rounding_is_half_up_and_never_negative_zero", () => {
    expect(Object.is(roundHalfUp(-0.4), -0)).toBe(false);
    expect(roundHalfUp(-0.5)).toBe(-1);
    expect(roundHalfUp(0.5)).toBe(1);
    expect(roundHalfUp(3.0612, 2)).toBe(3.06);
  });
});

describe("pending entitlements (receivables)", () => {
  // 1,000 FPT; a 100:20 stock dividend went ex today: 200 shares pending, price 30,000 → 25,000
  const exToday = holding({
    quantity: "1000",
    last_price: "25000",
    market_value: "25000000",
    reference_price: "30000",
    day_base_quantity: "1000",
    day_pending_base: "0",
    day_change: "0",
    pending_shares: "200",
    pending_cash: "0",
  });
  const withReceivables = { ...summary, cash: "0", day_change: "0", receivables: { cash: "0", shares_value: "5000000", total: "5000000" } } as PortfolioSummary;

  test("test_the_pending_shares_count_in_the_total_and_offset_the_ex_date_drop", () => {
    const { totals } = liveValuation([exToday], withReceivables, {});
    expect(totals.receivables).toBe(5_000_000);
    expect(totals.totalValue).toBe(30_000_000); // 1,200 shares at 25,000: what 1,000 were worth
    expect(totals.dayChange).toBe(0);
  });

  test("test_a_tick_moves_the_pending_shares_with_the_held_ones", () => {
    const { rows, totals } = liveValuation([exToday], withReceivables, { FPT: { price: "26000", change: "-4000" } });
    expect(rows[0]!.liveValue).toBe(26_000_000);
    expect(totals.receivables).toBe(5_200_000);
    expect(totals.totalValue).toBe(31_200_000);
    expect(totals.dayChange).toBe(1_200_000); // 1,200 x 26,000 - 1,000 x 30,000
  });

  test("test_a_cash_dividend_gone_ex_earlier_is_in_the_base", () => {
    const cash = holding({
      quantity: "1000",
      last_price: "28000",
      reference_price: "28000",
      day_base_quantity: "1000",
      day_pending_base: "1900000",
      day_change: "0",
      pending_shares: "0",
      pending_cash: "1900000",
    });
    const pending = { ...summary, cash: "0", receivables: { cash: "1900000", shares_value: "0", total: "1900000" } } as PortfolioSummary;
    const { totals } = liveValuation([cash], pending, { FPT: { price: "28500", change: "500" } });
    expect(totals.totalValue).toBe(30_400_000);
    expect(totals.dayChange).toBe(500_000); // only the price moved
    const slices = symbolAllocation(liveValuation([cash], pending, {}).rows, liveValuation([cash], pending, {}).totals);
    expect(slices.map((s) => [s.key, s.weight])).toEqual([
      ["FPT", 93.65],
      ["RECEIVABLES", 6.35],
    ]);
  });
});
