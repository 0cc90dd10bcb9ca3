"use client";
// All portfolios at once (GET /api/portfolios/overview/): summed totals and day P&L, the allocation
// across portfolios, the summed value's TWR, and each portfolio's share of the total.
import { BriefcaseIcon, PlusIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ChangeText } from "@/components/common/price";
import { EmptyState, ErrorState, PageHeader, TableSkeleton } from "@/components/common/states";
import { AllocationDonut, type Slice } from "@/components/dashboard/allocation-donut";
import { PerformanceChart, type PerformanceRow } from "@/components/dashboard/performance-chart";
import { CreatePortfolioDialog } from "@/components/portfolio/create-portfolio-dialog";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { ToggleGroup, ToggleGroupItem } from "@/components/ui/toggle-group";
import { useFormat } from "@/hooks/use-format";
import { useOverview } from "@/lib/api/queries";
import type { Overview } from "@/lib/api/types";
import { toNumber } from "@/lib/format";
import { useSelectionStore } from "@/stores/selection";

const RANGES = ["1M", "3M", "6M", "YTD", "1Y", "ALL"] as const;

function Figure({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <Card className="gap-1 py-4" data-testid={testId}>
      <CardHeader>
        <CardDescription className="font-medium">{label}</CardDescription>
      </CardHeader>
      <CardContent className="tabular text-xl font-semibold tracking-tight">{children}</CardContent>
    </Card>
  );
}

export function overviewRows(data: Overview | undefined): PerformanceRow[] {
  return (data?.performance.series ?? []).map((p) => {
    const index = toNumber(p.twr_index);
    return { date: p.date, portfolio: index === null ? null : (index - 1) * 100, benchmark: null };
  });
}

export function OverviewView() {
  const { formatVnd, formatPercent } = useFormat();
  const t = useTranslations("overview");
  const [range, setRange] = useState<string>("1Y");
  const overview = useOverview(range);
  const router = useRouter();
  const select = useSelectionStore((s) => s.setPortfolioId);

  if (overview.isLoading) return <TableSkeleton rows={6} cols={5} />;
  if (overview.error) return <ErrorState error={overview.error} onRetry={() => void overview.refetch()} />;
  const data = overview.data;
  if (!data || data.portfolios.length === 0) {
    return (
      <>
        <PageHeader title={t("title")} />
        <Card data-testid="overview-empty">
          <EmptyState
            icon={BriefcaseIcon}
            title={t("emptyTitle")}
            description={t("emptyText")}
            action={
              <CreatePortfolioDialog
                trigger={
                  <Button>
                    <PlusIcon /> {t("create")}
                  </Button>
                }
              />
            }
          />
        </Card>
      </>
    );
  }

  const { totals } = data;
  // The cash and pending-entitlement slices' labels are the server's English words.
  const labels: Record<string, string> = { CASH: t("cash"), RECEIVABLES: t("receivables") };
  const slices: Slice[] = data.allocation.map((s) => ({ key: s.key, label: labels[s.key] ?? (s.label || s.key), value: toNumber(s.market_value) ?? 0, weight: toNumber(s.weight) ?? 0 }));
  const receivables = toNumber(totals.receivables) ?? 0;
  const rows = overviewRows(data);

  return (
    <>
      <PageHeader title={t("title")} description={t("description", { count: totals.portfolios_count, holdings: totals.holdings_count })} />
      <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
        <Figure label={t("totalValue")} testId="overview-total">
          <span data-testid="overview-total-value">{formatVnd(totals.total_value)}</span>
          <div className="mt-1 flex items-center gap-2 text-sm font-normal" data-testid="overview-day-change">
            <ChangeText value={totals.day_change} kind="vnd" arrow />
            <ChangeText value={totals.day_change_pct} />
            <span className="text-xs text-muted-foreground">{t("today")}</span>
          </div>
          {receivables !== 0 && (
            <div className="mt-1 text-xs font-normal text-muted-foreground" data-testid="overview-receivables">
              {t("receivablesLine", { amount: formatVnd(receivables) })}
            </div>
          )}
        </Figure>
        <Figure label={t("unrealized")}>
          <ChangeText value={totals.unrealized_pnl} kind="vnd" />
        </Figure>
        <Figure label={t("realized")}>
          <ChangeText value={totals.realized_pnl} kind="vnd" />
        </Figure>
        <Figure label={t("cash")}>{totals.cash === null ? t("cashUntracked") : formatVnd(totals.cash)}</Figure>
      </div>

      <div className="mt-4 grid gap-4 xl:grid-cols-3">
        <Card className="xl:col-span-2">
          <CardHeader className="flex-col gap-3 sm:flex-row sm:items-center">
            <div>
              <CardTitle>{t("performance")}</CardTitle>
              <CardDescription className="mt-1">
                {t("twr")} <ChangeText value={toNumber(data.performance.twr)} kind="ratio" className="font-medium" />
              </CardDescription>
            </div>
            <ToggleGroup type="single" value={range} onValueChange={(v) => v && setRange(v)} aria-label={t("range")} className="flex-wrap">
              {RANGES.map((r) => (
                <ToggleGroupItem key={r} value={r}>
                  {r}
                </ToggleGroupItem>
              ))}
            </ToggleGroup>
          </CardHeader>
          <CardContent>
            {rows.length < 2 ? <EmptyState className="h-72" title={t("noHistory")} /> : <PerformanceChart rows={rows} benchmarkLabel="" />}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>{t("allocation")}</CardTitle>
          </CardHeader>
          <CardContent>
            {slices.length === 0 ? <EmptyState title={t("noAllocation")} /> : <AllocationDonut slices={slices} total={slices.reduce((a, s) => a + s.value, 0)} />}
          </CardContent>
        </Card>
      </div>

      <Card className="mt-4 gap-0 py-0">
        <CardHeader className="border-b p-4 sm:p-5">
          <CardTitle>{t("portfolios")}</CardTitle>
        </CardHeader>
        <div className="overflow-x-auto">
          <Table data-testid="overview-portfolios">
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead className="pl-5">{t("name")}</TableHead>
                <TableHead className="text-right">{t("value")}</TableHead>
                <TableHead className="text-right">{t("dayChange")}</TableHead>
                <TableHead className="text-right">{t("totalReturn")}</TableHead>
                <TableHead className="pr-5 text-right">{t("share")}</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.portfolios.map((p) => (
                <TableRow
                  key={p.id}
                  className="cursor-pointer"
                  data-testid={`overview-portfolio-${p.id}`}
                  onClick={() => {
                    select(p.id);
                    router.push("/");
                  }}
                >
                  <TableCell className="pl-5 font-medium">
                    {p.name}
                    {p.error && (
                      <span className="ml-2 text-xs text-destructive" title={p.error.message}>
                        {t("notValued")}
                      </span>
                    )}
                  </TableCell>
                  <TableCell className="tabular text-right">{p.summary ? formatVnd(p.summary.total_value) : "—"}</TableCell>
                  <TableCell className="text-right">
                    <ChangeText value={p.summary?.day_change} kind="vnd" />
                  </TableCell>
                  <TableCell className="text-right">
                    <ChangeText value={p.summary?.total_return_pct} />
                  </TableCell>
                  <TableCell className="tabular pr-5 text-right">{p.share === null ? "—" : formatPercent(p.share, { signed: false })}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      </Card>
    </>
  );
}
