import { describe, expect, test } from "vitest";
import type { Holding, PortfolioSummary } from "@/lib/api/types";
import { liveValuation } from "@/lib/valuation";

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
    day_change: "2000000",
    weight: "50",
    ...overrides,
  }) as Holding;

const summary = { cash: "100000000", day_change: "2000000", day_change_pct: "2.04" } as PortfolioSummary;

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
    expect(totals.dayChangePct).toBeCloseTo((3_000_000 / 98_000_000) * 100, 6);
  });

  test("test_without_a_server_day_change_it_uses_the_quote_change_per_share", () => {
    const { rows } = liveValuation([holding({ day_change: null, last_price: null })], summary, { FPT: { price: "101000", change: "1500" } });
    expect(rows[0]!.liveDayChange).toBe(1_500_000);
  });

  test("test_an_unpriced_holding_is_valued_as_the_server_did", () => {
    const { rows } = liveValuation([holding({ last_price: null, market_value: "95000000", day_change: null })], summary, {});
    expect(rows[0]!.liveValue).toBe(95_000_000);
    expect(rows[0]!.liveDayChange).toBeNull();
  });

  test("test_an_empty_portfolio_is_worth_its_cash", () => {
    const { rows, totals } = liveValuation([], summary, {});
    expect(rows).toEqual([]);
    expect(totals.totalValue).toBe(100_000_000);
  });
});
