import type { BoardRow } from "@/lib/api/types";

export function boardRow(symbol: string, overrides: Partial<BoardRow> = {}): BoardRow {
  return {
    symbol,
    name: `${symbol} JSC`,
    exchange: "HOSE",
    type: "STOCK",
    price: "100000",
    reference_price: "99000",
    ceiling_price: "105900",
    floor_price: "92100",
    open: "99500",
    high: "100500",
    low: "99000",
    change: "1000",
    change_pct: "1.01",
    volume: 5000,
    value: "500000000",
    bids: [["99900", 1000], ["99800", 2000], ["99700", 3000]],
    asks: [["100000", 500], ["100100", 600], ["100200", 700]],
    foreign_buy: 100,
    foreign_sell: 50,
    as_of: "2026-12-07T03:00:00Z",
    stale: false,
    age_seconds: 1,
    source: "simulated",
    last_volume: 100,
    seq: 10,
    ...overrides,
  };
}
