"use client";
import { useFormat } from "@/hooks/use-format";
import { useTranslations } from "next-intl";
import { Cell, Pie, PieChart, ResponsiveContainer, Tooltip } from "recharts";

export const SLICE_COLORS = ["var(--chart-1)", "var(--chart-2)", "var(--chart-3)", "var(--chart-4)", "var(--chart-5)", "var(--chart-6)", "var(--chart-7)", "var(--chart-8)"];

export type Slice = { key: string; label: string; value: number; weight: number };

export function AllocationDonut({ slices, total }: { slices: Slice[]; total: number }) {
  const { formatVnd, formatPercent, formatCompact } = useFormat();
  const t = useTranslations("dashboard.allocation");
  const shown = slices.length > 8 ? [...slices.slice(0, 7), slices.slice(7).reduce((acc, s) => ({ ...acc, value: acc.value + s.value, weight: acc.weight + s.weight }), { key: "other", label: t("other"), value: 0, weight: 0 })] : slices;
  return (
    <div className="flex flex-col items-center gap-5 sm:flex-row sm:items-center" data-testid="allocation-donut">
      <div className="relative size-48 shrink-0">
        <ResponsiveContainer width="100%" height="100%">
          <PieChart>
            <Pie data={shown} dataKey="value" nameKey="label" innerRadius="68%" outerRadius="100%" paddingAngle={shown.length > 1 ? 2 : 0} stroke="none" isAnimationActive={false}>
              {shown.map((slice, i) => (
                <Cell key={slice.key} fill={SLICE_COLORS[i % SLICE_COLORS.length]} />
              ))}
            </Pie>
            <Tooltip
              formatter={(value) => formatVnd(value as number)}
              contentStyle={{ background: "var(--popover)", border: "1px solid var(--border)", borderRadius: 8, fontSize: 12, color: "var(--popover-foreground)" }}
              itemStyle={{ color: "var(--popover-foreground)" }}
            />
          </PieChart>
        </ResponsiveContainer>
        <div className="pointer-events-none absolute inset-0 flex flex-col items-center justify-center">
          <span className="text-xs text-muted-foreground">{t("total")}</span>
          <span className="tabular text-lg font-semibold">{formatCompact(total)}</span>
        </div>
      </div>
      <ul className="grid w-full min-w-0 grid-cols-1 gap-2 text-sm">
        {shown.map((slice, i) => (
          <li key={slice.key} className="flex min-w-0 items-center gap-2.5">
            <span className="size-2.5 shrink-0 rounded-sm" style={{ background: SLICE_COLORS[i % SLICE_COLORS.length] }} />
            <span className="min-w-0 flex-1 truncate">{slice.label}</span>
            <span className="tabular text-muted-foreground">{formatPercent(slice.weight, { signed: false, digits: 1 })}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
