"use client";
import { useFormat } from "@/hooks/use-format";
import { BriefcaseIcon, LandmarkIcon, PlusIcon, TrendingUpIcon, WalletIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useMemo, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { ChangeText } from "@/components/common/price";
import { EmptyState, ErrorState, PageHeader, TableSkeleton } from "@/components/common/states";
import { AllocationDonut, type Slice } from "@/components/dashboard/allocation-donut";
import { BenchmarkPicker, benchmarkParam } from "@/components/dashboard/benchmark-picker";
import { HoldingsTable } from "@/components/dashboard/holdings-table";
import { PerformanceChart } from "@/components/dashboard/performance-chart";
import { CreatePortfolioDialog } from "@/components/portfolio/create-portfolio-dialog";
import { PortfolioSwitcher } from "@/components/portfolio/portfolio-switcher";
import { TransactionDialog } from "@/components/portfolio/transaction-dialog";
import { useLiveSymbols } from "@/components/realtime/market-feed-provider";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { ToggleGroup, ToggleGroupItem } from "@/components/ui/toggle-group";
import { useSelectedPortfolio } from "@/hooks/use-selected-portfolio";
import { useAllocation, useHoldings, usePerformance, usePortfolioSummary } from "@/lib/api/queries";
import { cn } from "@/lib/cn";
import { changeTone, toNumber, toneClass } from "@/lib/format";
import { toPerformanceRows } from "@/lib/performance-rows";
import { liveValuation, symbolAllocation } from "@/lib/valuation";
import { useQuotes } from "@/stores/quotes";
import { useValuationStore } from "@/stores/valuation";

const RANGES = ["1W", "1M", "3M", "6M", "YTD", "1Y", "3Y", "ALL"] as const;
const ALLOCATION_BY = ["symbol", "industry", "exchange"] as const;

function Stat({ label, icon: Icon, children, footer, testId }: { label: string; icon: React.ComponentType<{ className?: string }>; children: React.ReactNode; footer?: React.ReactNode; testId?: string }) {
  return (
    <Card className="gap-2 py-4" data-testid={testId}>
      <CardHeader className="items-center">
        <CardDescription className="font-medium">{label}</CardDescription>
        <Icon className="size-4 text-muted-foreground" />
      </CardHeader>
      <CardContent>
        <div className="tabular text-xl font-semibold tracking-tight">{children}</div>
        {footer && <div className="mt-1 text-xs text-muted-foreground">{footer}</div>}
      </CardContent>
    </Card>
  );
}

export function Dashboard() {
  const { formatVnd, formatRatio, formatDateTime } = useFormat();
  const t = useTranslations("dashboard");
  const { portfolios, selected, select, isLoading, error, refetch } = useSelectedPortfolio();
  const id = selected?.id ?? null;
  const [range, setRange] = useState<string>("3M");
  const [by, setBy] = useState<string>("symbol");
  const [adding, setAdding] = useState(0);

  const summary = usePortfolioSummary(id);
  const holdings = useHoldings(id);
  const benchmark = benchmarkParam(selected?.benchmark);
  const performance = usePerformance(id, range, benchmark);
  const allocation = useAllocation(id, by);
  const valuation = useValuationStore((s) => (id !== null ? s.byPortfolio[id] : undefined));

  const held = useMemo(() => (holdings.data?.results ?? []).map((h) => h.symbol), [holdings.data]);
  useLiveSymbols(held);
  // Re-render on ticks of held symbols only.
  const quotes = useQuotes(useShallow((s) => Object.fromEntries(held.map((symbol) => [symbol, s.quotes[symbol]]))));

  // The newest of the REST figures and the last websocket push, re-priced with later ticks.
  const pushed = valuation && valuation.receivedAt > Math.max(holdings.dataUpdatedAt, summary.dataUpdatedAt) ? valuation : null;
  const baseHoldings = pushed?.holdings ?? holdings.data?.results;
  const baseSummary = pushed?.summary ?? summary.data;
  const live = useMemo(() => liveValuation(baseHoldings ?? [], baseSummary, quotes), [baseHoldings, baseSummary, quotes]);

  // One allocation, the API's: by symbol from the live valuation (the same definition, moved by
  // ticks), the other groupings as /allocation/ answers them.
  // The cash and unclassified slices' labels are the server's English words: shown in the page's language.
  const cashLabel = t("allocation.cash");
  const receivablesLabel = t("allocation.receivables");
  const unclassifiedLabel = t("allocation.unclassified");
  const slices: Slice[] = useMemo(() => {
    const raw =
      by === "symbol" && live.rows.length
        ? symbolAllocation(live.rows, live.totals)
        : (allocation.data?.results ?? []).map((s) => ({ key: s.key, label: s.label || s.key, value: toNumber(s.market_value) ?? 0, weight: toNumber(s.weight) ?? 0 }));
    const labels: Record<string, string> = { CASH: cashLabel, RECEIVABLES: receivablesLabel, Unclassified: unclassifiedLabel };
    return raw.map((s) => {
      const label = labels[s.key];
      return label ? { ...s, label } : s;
    });
  }, [by, live.rows, live.totals, allocation.data, cashLabel, receivablesLabel, unclassifiedLabel]);

  if (isLoading) return <DashboardSkeleton />;
  if (error) return <ErrorState error={error} onRetry={() => void refetch()} title={t("loadFailed")} />;
  if (!selected) {
    return (
      <>
        <PageHeader title={t("title")} />
        <Card>
          <EmptyState
            icon={BriefcaseIcon}
            title={t("first.title")}
            description={t("first.text")}
            action={
              <CreatePortfolioDialog
                trigger={
                  <Button>
                    <PlusIcon /> {t("createPortfolio")}
                  </Button>
                }
              />
            }
          />
        </Card>
      </>
    );
  }

  const { totals } = live;
  const rows = toPerformanceRows(performance.data);
  const dayTone = changeTone(totals.dayChange);

  return (
    <>
      <PageHeader
        title={t("title")}
        description={summary.data?.as_of ? t("valuedAt", { time: formatDateTime(summary.data.as_of) }) : t("atAGlance")}
        actions={
          <>
            <PortfolioSwitcher portfolios={portfolios} selected={selected} onSelect={select} />
            <CreatePortfolioDialog />
            <Button size="sm" onClick={() => setAdding((n) => n + 1)}>
              <PlusIcon /> {t("addTransaction")}
            </Button>
          </>
        }
      />

      <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
        <Card className="relative gap-2 overflow-hidden py-4 sm:col-span-2 xl:col-span-1" data-testid="total-value-card">
          <div className={cn("pointer-events-none absolute -top-12 -right-12 size-36 rounded-full opacity-15 blur-2xl", dayTone === "down" ? "bg-down" : "bg-up")} />
          <CardHeader className="items-center">
            <CardDescription className="font-medium">{t("totalValue")}</CardDescription>
            <WalletIcon className="size-4 text-muted-foreground" />
          </CardHeader>
          <CardContent>
            {summary.isLoading ? (
              <Skeleton className="h-8 w-44" />
            ) : (
              <div className="tabular text-2xl font-semibold tracking-tight sm:text-3xl" data-testid="total-value">
                {formatVnd(totals.totalValue)}
              </div>
            )}
            <div className={cn("mt-1.5 flex items-center gap-2 text-sm", toneClass[dayTone])} data-testid="day-change">
              <ChangeText value={totals.dayChange} kind="vnd" arrow className="font-medium" />
              <span className="text-muted-foreground">·</span>
              <ChangeText value={totals.dayChangePct} />
              <span className="text-xs text-muted-foreground">{t("today")}</span>
            </div>
            {totals.receivables !== 0 && (
              <div className="mt-1 text-xs text-muted-foreground" title={t("receivablesHint")} data-testid="receivables">
                {t("receivables", { amount: formatVnd(totals.receivables) })}
              </div>
            )}
          </CardContent>
        </Card>
        <Stat label={t("unrealized")} icon={TrendingUpIcon} testId="unrealized-card" footer={summary.data?.realized_pnl ? t("realized", { amount: formatVnd(summary.data.realized_pnl, { signed: true }) }) : null}>
          <ChangeText value={totals.unrealizedPnl} kind="vnd" />
        </Stat>
        <Stat label={t("cash")} icon={LandmarkIcon} footer={selected.track_cash === false ? t("cashUntracked") : t("cashSettled")}>
          {formatVnd(totals.cash)}
        </Stat>
        <Stat
          label={t("return", { range: t(`ranges.${range as (typeof RANGES)[number]}`) })}
          icon={TrendingUpIcon}
          testId="returns-card"
          footer={
            <span className="flex flex-wrap gap-x-3 gap-y-1">
              <span>
                {t("xirr")} <ChangeText value={toNumber(performance.data?.xirr)} kind="ratio" className="font-medium" />
              </span>
              {performance.data?.max_drawdown != null && <span>{t("maxDrawdown", { value: formatRatio(performance.data.max_drawdown, { signed: false }) })}</span>}
              <span title={t("lifeReturnHint")} data-testid="life-return">
                {t("lifeReturn")} <ChangeText value={summary.data?.total_return_pct} className="font-medium" />
              </span>
            </span>
          }
        >
          <span className="flex items-baseline gap-2">
            <ChangeText value={toNumber(performance.data?.twr)} kind="ratio" />
            <span className="text-xs font-normal text-muted-foreground" title={t("twrHint")}>
              {t("twr")}
            </span>
          </span>
        </Stat>
      </div>

      <div className="mt-4 grid gap-4 xl:grid-cols-3">
        <Card className="xl:col-span-2">
          <CardHeader className="flex-col gap-3 sm:flex-row sm:items-center">
            <div>
              <CardTitle>{t("performance.title")}</CardTitle>
              <CardDescription className="mt-1">{t("performance.text")}</CardDescription>
            </div>
            <div className="flex flex-wrap items-center gap-2">
              <BenchmarkPicker portfolioId={selected.id} value={benchmark} />
              <ToggleGroup type="single" value={range} onValueChange={(v) => v && setRange(v)} aria-label={t("performance.range")} className="flex-wrap">
                {RANGES.map((r) => (
                  <ToggleGroupItem key={r} value={r}>
                    {t(`ranges.${r}`)}
                  </ToggleGroupItem>
                ))}
              </ToggleGroup>
            </div>
          </CardHeader>
          <CardContent>
            {performance.isLoading ? (
              <Skeleton className="h-72 w-full" />
            ) : performance.error ? (
              <ErrorState error={performance.error} onRetry={() => void performance.refetch()} className="h-72" />
            ) : rows.length < 2 ? (
              <EmptyState className="h-72" title={t("performance.emptyTitle")} description={t("performance.emptyText")} />
            ) : (
              <PerformanceChart rows={rows} benchmarkLabel={performance.data?.benchmark ?? "VNINDEX"} />
            )}
          </CardContent>
        </Card>
        <Card>
          <CardHeader className="items-center">
            <CardTitle>{t("allocation.title")}</CardTitle>
            <ToggleGroup type="single" value={by} onValueChange={(v) => v && setBy(v)} aria-label={t("allocation.by")}>
              {ALLOCATION_BY.map((o) => (
                <ToggleGroupItem key={o} value={o}>
                  {t(`allocation.${o}`)}
                </ToggleGroupItem>
              ))}
            </ToggleGroup>
          </CardHeader>
          <CardContent>
            {by !== "symbol" && allocation.isLoading ? (
              <Skeleton className="h-48 w-full" />
            ) : by !== "symbol" && allocation.error ? (
              <ErrorState error={allocation.error} onRetry={() => void allocation.refetch()} />
            ) : slices.length === 0 ? (
              <EmptyState title={t("allocation.emptyTitle")} description={t("allocation.emptyText")} />
            ) : (
              <AllocationDonut slices={slices} total={slices.reduce((a, s) => a + s.value, 0)} />
            )}
          </CardContent>
        </Card>
      </div>

      <Card className="mt-4 gap-3">
        <CardHeader className="items-center">
          <div>
            <CardTitle>{t("holdings.title")}</CardTitle>
            <CardDescription className="mt-1">{t("holdings.text")}</CardDescription>
          </div>
        </CardHeader>
        {holdings.isLoading ? (
          <TableSkeleton />
        ) : holdings.error ? (
          <CardContent>
            <ErrorState error={holdings.error} onRetry={() => void holdings.refetch()} />
          </CardContent>
        ) : live.rows.length === 0 ? (
          <EmptyState
            title={t("holdings.emptyTitle")}
            description={t("holdings.emptyText")}
            action={
              <Button size="sm" onClick={() => setAdding((n) => n + 1)}>
                <PlusIcon /> {t("addTransaction")}
              </Button>
            }
          />
        ) : (
          <HoldingsTable rows={live.rows} />
        )}
      </Card>

      {adding > 0 && (
        <TransactionDialog key={`new-${adding}`} portfolioId={selected.id} open onOpenChange={(open) => !open && setAdding(0)} />
      )}
    </>
  );
}

function DashboardSkeleton() {
  const t = useTranslations("dashboard");
  return (
    <div className="space-y-4" aria-busy="true" aria-label={t("loading")}>
      <Skeleton className="h-8 w-48" />
      <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
        {Array.from({ length: 4 }).map((_, i) => (
          <Skeleton key={i} className="h-28" />
        ))}
      </div>
      <div className="grid gap-4 xl:grid-cols-3">
        <Skeleton className="h-80 xl:col-span-2" />
        <Skeleton className="h-80" />
      </div>
      <Skeleton className="h-64" />
    </div>
  );
}
