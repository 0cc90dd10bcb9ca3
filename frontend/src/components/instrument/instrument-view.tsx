"use client";
import { useFormat } from "@/hooks/use-format";
import { ArrowLeftIcon, PlusIcon } from "lucide-react";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { useMemo, useState } from "react";
import { CreateAlertDialog } from "@/components/alerts/create-alert-dialog";
import { ChangeText, LivePrice } from "@/components/common/price";
import { EmptyState, ErrorState } from "@/components/common/states";
import { SimulatedBadge } from "@/components/layout/status-badges";
import { CandleChart } from "@/components/instrument/candle-chart";
import { QuotePanel } from "@/components/instrument/quote-panel";
import { WatchButton } from "@/components/instrument/watch-button";
import { TransactionDialog } from "@/components/portfolio/transaction-dialog";
import { useLiveSymbols } from "@/components/realtime/market-feed-provider";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { ToggleGroup, ToggleGroupItem } from "@/components/ui/toggle-group";
import { ApiError } from "@/lib/api/errors";
import { useBars, useInstrument, useQuotesQuery, useRecentTicks } from "@/lib/api/queries";
import { toChartBars } from "@/lib/bars";
import { cn } from "@/lib/cn";
import { priceTone, toneClass } from "@/lib/format";
import { useAuthStore } from "@/stores/auth";
import { useQuotes, type RecentTick } from "@/stores/quotes";
import { useSelectionStore } from "@/stores/selection";

const INTERVALS = ["1m", "5m", "1h", "1d"] as const;

export function InstrumentView({ symbol }: { symbol: string }) {
  const { formatNumber, formatPrice, formatTime } = useFormat();
  const t = useTranslations("instrument");
  const c = useTranslations("common.col");
  const [interval, setChartInterval] = useState<string>("1d");
  const [trading, setTrading] = useState(0);
  const instrument = useInstrument(symbol);
  useQuotesQuery([symbol], { refetchInterval: 60_000 });
  useLiveSymbols([symbol]);
  const quote = useQuotes((s) => s.quotes[symbol]);
  const bars = useBars(symbol, interval);
  const restTicks = useRecentTicks(symbol);
  const liveTicks = useQuotes((s) => s.ticks[symbol]);
  const chartBars = useMemo(() => toChartBars(bars.data ?? []), [bars.data]);
  const signedIn = useAuthStore((s) => s.status === "authenticated");
  const portfolioId = useSelectionStore((s) => s.portfolioId);

  const ticks: RecentTick[] = useMemo(() => {
    const live = liveTicks ?? [];
    const seen = new Set(live.map((t) => t.seq));
    const older = (restTicks.data ?? [])
      .slice()
      .sort((a, b) => b.seq - a.seq)
      .filter((t) => !seen.has(t.seq))
      .map((t): RecentTick => ({ seq: t.seq, ts: t.time, price: t.price, volume: t.volume, direction: "same" }));
    return [...live, ...older].slice(0, 30);
  }, [liveTicks, restTicks.data]);

  if (instrument.error instanceof ApiError && instrument.error.status === 404) {
    return (
      <Card>
        <EmptyState
          title={t("notFound.title", { symbol })}
          description={t("notFound.text")}
          action={
            <Button asChild variant="outline" size="sm">
              <Link href="/market">
                <ArrowLeftIcon /> {t("marketOverview")}
              </Link>
            </Button>
          }
        />
      </Card>
    );
  }

  const tone = priceTone(quote?.price, quote?.reference_price, quote?.ceiling_price, quote?.floor_price);
  const info = instrument.data;

  return (
    <>
      <div className="mb-5 flex flex-col gap-4 lg:flex-row lg:items-end lg:justify-between">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-2">
            <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">{symbol}</h1>
            {info?.exchange && <Badge variant="secondary">{info.exchange}</Badge>}
            {info?.type && info.type.toLowerCase() !== "stock" && <Badge variant="outline">{info.type}</Badge>}
            <SimulatedBadge source={quote?.source} />
          </div>
          {instrument.isLoading ? <Skeleton className="mt-2 h-4 w-64" /> : <p className="mt-1 truncate text-sm text-muted-foreground">{info?.name}{info?.industry ? ` · ${info.industry}` : ""}</p>}
          <div className="mt-3 flex flex-wrap items-baseline gap-x-3 gap-y-1" data-testid="last-price">
            <LivePrice symbol={symbol} className={cn("text-3xl font-semibold sm:text-4xl", toneClass[tone])} />
            <ChangeText value={quote?.change} kind="number" tone={tone} arrow className="text-base font-medium" />
            <ChangeText value={quote?.change_pct} tone={tone} className="text-base font-medium" />
          </div>
        </div>
        <div className="flex flex-wrap gap-2">
          <WatchButton symbol={symbol} />
          {signedIn && <CreateAlertDialog symbol={symbol} lastPrice={quote?.price} />}
          {signedIn && portfolioId !== null && (
            <Button size="sm" onClick={() => setTrading((n) => n + 1)}>
              <PlusIcon /> {t("recordTrade")}
            </Button>
          )}
        </div>
      </div>

      <div className="grid items-start gap-4 xl:grid-cols-3">
        <Card className="gap-3 xl:col-span-2">
          <CardHeader className="items-center">
            <CardTitle>{t("price")}</CardTitle>
            <ToggleGroup type="single" value={interval} onValueChange={(v) => v && setChartInterval(v)} aria-label={t("interval")}>
              {INTERVALS.map((i) => (
                <ToggleGroupItem key={i} value={i}>
                  {t(`intervals.${i}`)}
                </ToggleGroupItem>
              ))}
            </ToggleGroup>
          </CardHeader>
          <CardContent className="relative">
            {bars.error ? (
              <ErrorState error={bars.error} onRetry={() => void bars.refetch()} className="h-[340px] sm:h-[420px]" />
            ) : (
              <>
                <CandleChart symbol={symbol} interval={interval} bars={chartBars} exchange={instrument.data?.exchange} type={instrument.data?.type} />
                {bars.isLoading && <Skeleton className="absolute inset-x-5 inset-y-0" />}
                {!bars.isLoading && chartBars.length === 0 && (
                  <div className="absolute inset-0 grid place-items-center text-sm text-muted-foreground">{t("noBars", { interval: t(`intervals.${interval as (typeof INTERVALS)[number]}`) })}</div>
                )}
              </>
            )}
          </CardContent>
        </Card>
        <div className="grid content-start gap-4">
          <QuotePanel quote={quote} />
          <Card className="gap-2">
            <CardHeader>
              <CardTitle>{t("recentTrades")}</CardTitle>
            </CardHeader>
            {ticks.length === 0 ? (
              restTicks.isLoading ? (
                <CardContent>
                  <Skeleton className="h-40" />
                </CardContent>
              ) : (
                <EmptyState title={t("noTrades")} />
              )
            ) : (
              <div className="max-h-80 overflow-y-auto">
                <Table data-testid="recent-ticks">
                  <TableHeader>
                    <TableRow className="hover:bg-transparent">
                      <TableHead className="pl-5">{t("time")}</TableHead>
                      <TableHead className="text-right">{c("price")}</TableHead>
                      <TableHead className="pr-5 text-right">{c("volume")}</TableHead>
                    </TableRow>
                  </TableHeader>
                  <TableBody>
                    {ticks.map((t) => (
                      <TableRow key={t.seq}>
                        <TableCell className="tabular py-1.5 pl-5 text-muted-foreground">{formatTime(t.ts)}</TableCell>
                        <TableCell className={cn("tabular py-1.5 text-right font-medium", toneClass[priceTone(t.price, quote?.reference_price, quote?.ceiling_price, quote?.floor_price)])}>
                          {formatPrice(t.price)}
                        </TableCell>
                        <TableCell className="tabular py-1.5 pr-5 text-right">{formatNumber(t.volume)}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </div>
            )}
          </Card>
        </div>
      </div>
      {trading > 0 && portfolioId !== null && (
        <TransactionDialog key={`trade-${trading}`} portfolioId={portfolioId} open defaultSymbol={symbol} onOpenChange={(open) => !open && setTrading(0)} />
      )}
    </>
  );
}
