import type { Bar } from "@/lib/api/types";
import { toNumber } from "@/lib/format";

export const INTERVAL_SECONDS: Record<string, number> = { "1m": 60, "5m": 300, "1h": 3600, "1d": 86400 };
/** lightweight-charts shows times as UTC; shifting by +7 h makes the axis read in Vietnam time. */
export const VN_OFFSET_SECONDS = 7 * 3600;

export type ChartBar = { time: number; open: number; high: number; low: number; close: number; volume: number };

export function toChartBars(bars: Bar[]): ChartBar[] {
  const out: ChartBar[] = [];
  for (const bar of bars) {
    const open = toNumber(bar.open);
    const high = toNumber(bar.high);
    const low = toNumber(bar.low);
    const close = toNumber(bar.close);
    const t = Date.parse(bar.start);
    if (open === null || high === null || low === null || close === null || Number.isNaN(t)) continue;
    out.push({ time: Math.floor(t / 1000) + VN_OFFSET_SECONDS, open, high, low, close, volume: toNumber(bar.volume) ?? 0 });
  }
  out.sort((a, b) => a.time - b.time);
  // The chart needs strictly increasing times.
  return out.filter((bar, i) => i === 0 || bar.time !== out[i - 1]!.time);
}

/** Fold a tick into the bar series: update the open bar or start the next one. Returns the changed bar. */
export function foldTick(bars: ChartBar[], interval: string, tsIso: string, price: number, volume: number): ChartBar | null {
  const seconds = INTERVAL_SECONDS[interval];
  const t = Date.parse(tsIso);
  if (!seconds || Number.isNaN(t) || !Number.isFinite(price)) return null;
  const local = Math.floor(t / 1000) + VN_OFFSET_SECONDS;
  const start = local - (local % seconds);
  const last = bars[bars.length - 1];
  if (last && start < last.time) return null;
  if (last && start === last.time) {
    last.high = Math.max(last.high, price);
    last.low = Math.min(last.low, price);
    last.close = price;
    last.volume += volume;
    return last;
  }
  const bar = { time: start, open: price, high: price, low: price, close: price, volume };
  bars.push(bar);
  return bar;
}
