"use client";
import { BriefcaseIcon, LandmarkIcon, PlusIcon, TrendingUpIcon, WalletIcon } from "lucide-react";
import { useMemo, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { ChangeText } from "@/components/common/price";
import { EmptyState, ErrorState, PageHeader, TableSkeleton } from "@/components/common/states";
import { AllocationDonut, type Slice } from "@/components/dashboard/allocation-donut";
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
import { changeTone, formatDateTime, formatRatio, formatVnd, toNumber, toneClass } from "@/lib/format";
import { toPerformanceRows } from "@/lib/performance-rows";
import { liveValuation, symbolAllocation } from "@/lib/valuation";
import { useQuotes } from "@/stores/quotes";
import { useValuationStore } from "@/stores/valuation";

const RANGES = ["1W", "1M", "3M", "6M", "YTD", "1Y", "3Y", "ALL"] as const;
const ALLOCATION_BY = [
  { value: "symbol", label: "Stock" },
  { value: "industry", label: "Industry" },
  { value: "exchange", label: "Exchange" },
] as const;

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
  const { portfolios, selected, select, isLoading, error, refetch } = useSelectedPortfolio();
  const id = selected?.id ?? null;
  const [range, setRange] = useState<string>("3M");
  const [by, setBy] = useState<string>("symbol");
  const [adding, setAdding] = useState(0);

  const summary = usePortfolioSummary(id);
  const holdings = useHoldings(id);
  const performance = usePerformance(id, range);
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
  const slices: Slice[] = useMemo(() => {
    if (by === "symbol" && live.rows.length) return symbolAllocation(live.rows, live.totals);
    return (allocation.data?.results ?? []).map((s) => ({ key: s.key, label: s.label || s.key, value: toNumber(s.market_value) ?? 0, weight: toNumber(s.weight) ?? 0 }));
  }, [by, live.rows, live.totals, allocation.data]);

  if (isLoading) return <DashboardSkeleton />;
  if (error) return <ErrorState error={error} onRetry={() => void refetch()} title="Could not load your portfolios" />;
  if (!selected) {
    return (
      <>
        <PageHeader title="Dashboard" />
        <Card>
          <EmptyState
            icon={BriefcaseIcon}
            title="Create your first portfolio"
            description="A portfolio holds your trades, cash and dividends. You can have several, e.g. one per broker."
            action={
              <CreatePortfolioDialog
                trigger={
                  <Button>
                    <PlusIcon /> Create portfolio
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
        title="Dashboard"
        description={summary.data?.as_of ? `Valued ${formatDateTime(summary.data.as_of)}` : "Your portfolio at a glance"}
        actions={
          <>
            <PortfolioSwitcher portfolios={portfolios} selected={selected} onSelect={select} />
            <CreatePortfolioDialog />
            <Button size="sm" onClick={() => setAdding((n) => n + 1)}>
              <PlusIcon /> Add transaction
            </Button>
          </>
        }
      />

      <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
        <Card className="relative gap-2 overflow-hidden py-4 sm:col-span-2 xl:col-span-1" data-testid="total-value-card">
          <div className={cn("pointer-events-none absolute -top-12 -right-12 size-36 rounded-full opacity-15 blur-2xl", dayTone === "down" ? "bg-down" : "bg-up")} />
          <CardHeader className="items-center">
            <CardDescription className="font-medium">Total value</CardDescription>
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
              <span className="text-xs text-muted-foreground">today</span>
            </div>
          </CardContent>
        </Card>
        <Stat label="Unrealized P&L" icon={TrendingUpIcon} testId="unrealized-card" footer={summary.data?.realized_pnl ? <>Realized {formatVnd(summary.data.realized_pnl, { signed: true })}</> : null}>
          <ChangeText value={totals.unrealizedPnl} kind="vnd" />
        </Stat>
        <Stat label="Cash" icon={LandmarkIcon} footer={selected.track_cash === false ? "Cash is not tracked for this portfolio" : "Settled and pending"}>
          {formatVnd(totals.cash)}
        </Stat>
        <Stat
          label={`Return · ${range}`}
          icon={TrendingUpIcon}
          testId="returns-card"
          footer={
            <span className="flex flex-wrap gap-x-3 gap-y-1">
              <span>
                XIRR <ChangeText value={toNumber(performance.data?.xirr)} kind="ratio" className="font-medium" />
              </span>
              {performance.data?.max_drawdown != null && <span>Max DD {formatRatio(performance.data.max_drawdown, { signed: false })}</span>}
              <span title="Return since the first transaction: Modified Dietz, linked wherever no shares were held" data-testid="life-return">
                Modified Dietz since start <ChangeText value={summary.data?.total_return_pct} className="font-medium" />
              </span>
            </span>
          }
        >
          <span className="flex items-baseline gap-2">
            <ChangeText value={toNumber(performance.data?.twr)} kind="ratio" />
            <span className="text-xs font-normal text-muted-foreground" title="Time-weighted return over the range">TWR</span>
          </span>
        </Stat>
      </div>

      <div className="mt-4 grid gap-4 xl:grid-cols-3">
        <Card className="xl:col-span-2">
          <CardHeader className="flex-col gap-3 sm:flex-row sm:items-center">
            <div>
              <CardTitle>Performance</CardTitle>
              <CardDescription className="mt-1">Time-weighted return against the VN-Index</CardDescription>
            </div>
            <ToggleGroup type="single" value={range} onValueChange={(v) => v && setRange(v)} aria-label="Range" className="flex-wrap">
              {RANGES.map((r) => (
                <ToggleGroupItem key={r} value={r}>
                  {r}
                </ToggleGroupItem>
              ))}
            </ToggleGroup>
          </CardHeader>
          <CardContent>
            {performance.isLoading ? (
              <Skeleton className="h-72 w-full" />
            ) : performance.error ? (
              <ErrorState error={performance.error} onRetry={() => void performance.refetch()} className="h-72" />
            ) : rows.length < 2 ? (
              <EmptyState className="h-72" title="Not enough history yet" description="The chart fills in as trading days pass after your first transaction." />
            ) : (
              <PerformanceChart rows={rows} benchmarkLabel={performance.data?.benchmark ?? "VNINDEX"} />
            )}
          </CardContent>
        </Card>
        <Card>
          <CardHeader className="items-center">
            <CardTitle>Allocation</CardTitle>
            <ToggleGroup type="single" value={by} onValueChange={(v) => v && setBy(v)} aria-label="Allocation by">
              {ALLOCATION_BY.map((o) => (
                <ToggleGroupItem key={o.value} value={o.value}>
                  {o.label}
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
              <EmptyState title="Nothing allocated yet" description="Buy a stock to see how your money is spread." />
            ) : (
              <AllocationDonut slices={slices} total={slices.reduce((a, s) => a + s.value, 0)} />
            )}
          </CardContent>
        </Card>
      </div>

      <Card className="mt-4 gap-3">
        <CardHeader className="items-center">
          <div>
            <CardTitle>Holdings</CardTitle>
            <CardDescription className="mt-1">Prices update live; colours follow the exchange board</CardDescription>
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
            title="No holdings yet"
            description="Record a deposit and your first buy to see live values here."
            action={
              <Button size="sm" onClick={() => setAdding((n) => n + 1)}>
                <PlusIcon /> Add transaction
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
  return (
    <div className="space-y-4" aria-busy="true" aria-label="Loading dashboard">
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
