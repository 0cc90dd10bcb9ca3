import type { Performance } from "@/lib/api/types";
import { toNumber } from "@/lib/format";
import type { PerformanceRow } from "@/components/dashboard/performance-chart";

/** Chart rows in cumulative percent: the portfolio's TWR index and the benchmark's (both start at 1). */
export function toPerformanceRows(performance: Performance | undefined | null): PerformanceRow[] {
  if (!performance) return [];
  return performance.series.map((point) => {
    const twr = toNumber(point.twr_index);
    const bench = toNumber(point.benchmark_index);
    return { date: point.date, portfolio: twr !== null ? (twr - 1) * 100 : null, benchmark: bench !== null ? (bench - 1) * 100 : null };
  });
}
