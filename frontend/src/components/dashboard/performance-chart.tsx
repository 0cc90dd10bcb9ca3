"use client";
import { useFormat } from "@/hooks/use-format";
import { useTranslations } from "next-intl";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export type PerformanceRow = { date: string; portfolio: number | null; benchmark: number | null };

export function PerformanceChart({ rows, benchmarkLabel }: { rows: PerformanceRow[]; benchmarkLabel: string }) {
  const { formatPercent, formatDate, formatShortDate } = useFormat();
  const t = useTranslations("dashboard.performance");
  const hasBenchmark = rows.some((r) => r.benchmark !== null);
  return (
    <div className="h-72 w-full" data-testid="performance-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="date" tickFormatter={(d) => formatShortDate(d)} tick={{ fontSize: 11, fill: "var(--muted-foreground)" }} tickLine={false} axisLine={false} minTickGap={32} />
          <YAxis tickFormatter={(v) => formatPercent(v, { digits: 0 })} tick={{ fontSize: 11, fill: "var(--muted-foreground)" }} tickLine={false} axisLine={false} width={52} />
          <Tooltip
            labelFormatter={(d) => formatDate(String(d))}
            formatter={(value, name) => [formatPercent(value as number), name]}
            contentStyle={{ background: "var(--popover)", border: "1px solid var(--border)", borderRadius: 8, fontSize: 12, color: "var(--popover-foreground)" }}
          />
          <Legend verticalAlign="top" align="right" height={28} iconType="plainline" wrapperStyle={{ fontSize: 12 }} />
          <Line type="monotone" dataKey="portfolio" name={t("portfolio")} stroke="var(--chart-1)" strokeWidth={2.2} dot={false} isAnimationActive={false} connectNulls />
          {hasBenchmark && (
            <Line type="monotone" dataKey="benchmark" name={benchmarkLabel} stroke="var(--chart-3)" strokeWidth={1.6} strokeDasharray="5 4" dot={false} isAnimationActive={false} connectNulls />
          )}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
