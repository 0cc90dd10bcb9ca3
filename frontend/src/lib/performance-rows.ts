import type { Performance } from "@/lib/api/types";
import { toNumber } from "@/lib/format";
import type { PerformanceRow } from "@/components/dashboard/performance-chart";

/** Chart rows in cumulative percent: the portfolio's TWR index and the benchmark's return. */
export function toPerformanceRows(performance: Performance | undefined | null): PerformanceRow[] {
  if (!performance) return [];
  const series = performance.series ?? [];
  const benchmarkSeries = performance.benchmark?.series ?? [];
  const benchmarkByDate = new Map<string, number>();
  const firstBenchmark = toNumber(benchmarkSeries[0]?.value);
  for (const point of benchmarkSeries) {
    const level = toNumber(point.value);
    if (level !== null && firstBenchmark) benchmarkByDate.set(point.date, (level / firstBenchmark - 1) * 100);
  }
  const firstValue = toNumber(series[0]?.value);
  return series.map((point) => {
    const twr = toNumber(point.twr);
    const value = toNumber(point.value);
    const portfolio = twr !== null ? twr * 100 : value !== null && firstValue ? (value / firstValue - 1) * 100 : null;
    const inline = toNumber(point.benchmark);
    return { date: point.date, portfolio, benchmark: inline !== null ? inline * 100 : (benchmarkByDate.get(point.date) ?? null) };
  });
}
