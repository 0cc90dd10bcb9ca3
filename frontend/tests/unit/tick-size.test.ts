import { describe, expect, test } from "vitest";
import type { Bar } from "@/lib/api/types";
import { foldTick, toChartBars } from "@/lib/bars";
import { chartPriceFormat, tickSize } from "@/lib/tick-size";

describe("tick sizes for the chart's price axis", () => {
  test("HOSE steps by price level; ETFs and warrants 10; HNX and UPCOM 100; indices 0.01", () => {
    expect(tickSize("HOSE", "stock", 9_990)).toBe(10);
    expect(tickSize("HOSE", "stock", 10_000)).toBe(50);
    expect(tickSize("HOSE", "stock", 49_950)).toBe(50);
    expect(tickSize("HOSE", "stock", 50_000)).toBe(100);
    expect(tickSize("HOSE", "etf", 80_000)).toBe(10);
    expect(tickSize("HOSE", "cw", 1_200)).toBe(10);
    expect(tickSize("HNX", "stock", 8_000)).toBe(100);
    expect(tickSize("UPCOM", "stock", 120_000)).toBe(100);
    expect(tickSize("HOSE", "index", 1_262.5)).toBe(0.01);
  });

  test("the axis moves by the coarsest tick in view (no 108,706 on a 100-VND grid)", () => {
    expect(chartPriceFormat("HOSE", "stock", 108_700)).toEqual({ type: "price", precision: 0, minMove: 100 });
    expect(chartPriceFormat("HOSE", "stock", 25_000)).toEqual({ type: "price", precision: 0, minMove: 50 });
    expect(chartPriceFormat("HOSE", "index", 1_300)).toEqual({ type: "price", precision: 2, minMove: 0.01 });
    expect(chartPriceFormat(undefined, undefined, Number.NaN).minMove).toBe(100);
  });
});

describe("today's daily candle from the API", () => {
  const bar = (start: string, close: string): Bar =>
    ({ start, open: "100000", high: "101000", low: "99000", close, volume: 1000, value: "0", interval: "1d" }) as unknown as Bar;

  test("is on the chart and a later tick of the same day moves it, not a new candle", () => {
    // Daily bars start at midnight in Vietnam (17:00 UTC the day before).
    const bars = toChartBars([bar("2026-12-03T17:00:00Z", "100000"), bar("2026-12-06T17:00:00Z", "100500")]);
    expect(bars).toHaveLength(2);
    expect(bars[1]!.close).toBe(100500);
    const changed = foldTick(bars, "1d", "2026-12-07T04:00:00Z", 101500, 200);
    expect(changed).toBe(bars[1]);
    expect(bars).toHaveLength(2);
    expect(bars[1]!.close).toBe(101500);
    expect(bars[1]!.high).toBe(101500);
  });
});
