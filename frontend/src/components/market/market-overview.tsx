"use client";
import { useTranslations } from "next-intl";
import { useFormat } from "@/hooks/use-format";
import Link from "next/link";
import { useEffect, useMemo } from "react";
import { ChangeText, FlashingValue } from "@/components/common/price";
import { EmptyState, ErrorState } from "@/components/common/states";
import { SimulatedBadge } from "@/components/layout/status-badges";
import { useLiveSymbols } from "@/components/realtime/market-feed-provider";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useGroupInstruments, useMarketSummary, useQuotesQuery } from "@/lib/api/queries";
import type { Instrument, MarketSummary, Quote } from "@/lib/api/types";
import { cn } from "@/lib/cn";
import { changeTone, priceTone, toneClass, toNumber, type PriceTone } from "@/lib/format";
import { quotesStore, useQuotes } from "@/stores/quotes";

const INDEX_ORDER = ["VNINDEX", "VN30", "HNXINDEX", "HNX30", "UPCOMINDEX"];

function sortIndices<T extends { symbol: string }>(indices: T[]): T[] {
  const rank = (s: string) => (INDEX_ORDER.indexOf(s) + 1 || 99);
  return [...indices].sort((a, b) => rank(a.symbol) - rank(b.symbol));
}

export type MarketInitial = { summary: MarketSummary | null; vn30: Instrument[]; quotes: Quote[]; renderedAt: string };

function IndexCard({ index }: { index: MarketSummary["indices"][number] }) {
  const { formatNumber } = useFormat();
  const live = useQuotes((s) => s.quotes[index.symbol]);
  const level = live?.price ?? index.level;
  const change = live?.change ?? index.change;
  const pct = live?.change_pct ?? index.change_pct;
  const tone = changeTone(change);
  return (
    <Card className="gap-1 py-3 sm:py-4" data-testid={`index-${index.symbol}`} title={index.name}>
      <CardHeader>
        <CardDescription className="font-semibold tracking-wide text-foreground">{index.symbol}</CardDescription>
      </CardHeader>
      <CardContent>
        <FlashingValue quote={live} tone="none" value={formatNumber(level, { digits: 2 })} className="text-lg font-semibold tracking-tight sm:text-2xl" />
        <div className={cn("tabular mt-1 flex flex-wrap items-center gap-x-2 text-xs sm:text-sm", toneClass[tone])}>
          <span>{formatNumber(change, { signed: true, digits: 2 })}</span>
          <ChangeText value={pct} tone={tone} />
        </div>
      </CardContent>
    </Card>
  );
}

function MoverList({ id, title, description, quotes, metric }: { id: string; title: string; description: string; quotes: Quote[]; metric: "change" | "volume" }) {
  const t = useTranslations("market");
  return (
    <Card className="gap-2">
      <CardHeader>
        <div>
          <CardTitle>{title}</CardTitle>
          <CardDescription className="mt-1">{description}</CardDescription>
        </div>
      </CardHeader>
      {quotes.length === 0 ? (
        <EmptyState title={t("noData")} />
      ) : (
        <ul className="divide-y" data-testid={`movers-${id}`}>
          {quotes.slice(0, 8).map((q) => (
            <MoverRow key={q.symbol} quote={q} metric={metric} />
          ))}
        </ul>
      )}
    </Card>
  );
}

function MoverRow({ quote, metric }: { quote: Quote; metric: "change" | "volume" }) {
  const { formatPrice, formatCompact } = useFormat();
  const live = useQuotes((s) => s.quotes[quote.symbol]);
  const q = { ...quote, ...live };
  const tone = priceTone(q.price, q.reference_price, q.ceiling_price, q.floor_price);
  return (
    <li>
      <Link href={`/instruments/${quote.symbol}`} className="flex items-center gap-3 px-5 py-2.5 transition-colors hover:bg-muted/50">
        <span className="w-14 font-semibold">{quote.symbol}</span>
        <FlashingValue quote={live} tone={tone} value={formatPrice(q.price)} className="ml-auto text-sm" />
        <span className="w-20 text-right text-sm">
          {metric === "volume" ? <span className="tabular text-muted-foreground">{formatCompact(q.volume)}</span> : <ChangeText value={q.change_pct} tone={tone} />}
        </span>
      </Link>
    </li>
  );
}

const TILE_COLOR: Record<PriceTone, string> = {
  ceiling: "var(--ceiling)",
  floor: "var(--floor)",
  ref: "var(--ref)",
  up: "var(--up)",
  down: "var(--down)",
  none: "var(--muted)",
};

function HeatTile({ symbol }: { symbol: string }) {
  const { formatPercent } = useFormat();
  const q = useQuotes((s) => s.quotes[symbol]);
  const tone = priceTone(q?.price, q?.reference_price, q?.ceiling_price, q?.floor_price);
  const pct = Math.abs(toNumber(q?.change_pct) ?? 0);
  // Stronger moves are more saturated (7% is the HOSE band); ceiling, floor and reference are solid.
  const strength = tone === "up" || tone === "down" ? Math.round(30 + Math.min(pct / 4, 1) * 70) : 100;
  const solid = strength >= 60 && tone !== "none";
  return (
    <Link
      href={`/instruments/${symbol}`}
      className={cn(
        "flex aspect-[4/3] flex-col items-center justify-center rounded-lg p-1 transition-[transform,background-color] duration-500 hover:scale-[1.03] hover:ring-2 hover:ring-ring/60 sm:aspect-[3/2]",
        solid ? (tone === "ref" ? "text-black" : "text-white") : "text-foreground",
      )}
      style={{ background: `color-mix(in oklch, ${TILE_COLOR[tone]} ${strength}%, var(--card))` }}
      data-testid={`heat-${symbol}`}
      data-tone={tone}
    >
      <span className="text-sm font-bold">{symbol}</span>
      <span className="tabular text-[11px] font-medium opacity-90">{q ? formatPercent(q.change_pct) : "—"}</span>
    </Link>
  );
}

export function MarketOverview({ initial }: { initial: MarketInitial }) {
  const { formatNumber, formatDateTime } = useFormat();
  const t = useTranslations("market");
  const summary = useMarketSummary(initial.summary);
  const vn30Query = useGroupInstruments("VN30");
  const vn30 = useMemo(() => {
    const list = (vn30Query.data?.length ? vn30Query.data : initial.vn30).map((i) => i.symbol);
    return [...new Set(list)].sort();
  }, [vn30Query.data, initial.vn30]);

  // Server-rendered quotes seed the live store once; the websocket keeps them moving.
  useEffect(() => {
    if (initial.quotes.length) quotesStore.getState().applyQuotes(initial.quotes);
  }, [initial.quotes]);
  useQuotesQuery(vn30, { refetchInterval: 60_000 });

  const data = summary.data;
  const movers = useMemo(() => [...(data?.gainers ?? []), ...(data?.losers ?? []), ...(data?.most_active ?? [])].map((q) => q.symbol), [data]);
  const indices = useMemo(() => (data?.indices ?? []).map((i) => i.symbol), [data]);
  useLiveSymbols([...vn30, ...movers, ...indices]);

  const breadth = data?.breadth;
  const totalBreadth = breadth ? breadth.advancers + breadth.decliners + breadth.unchanged : 0;

  return (
    <>
      <div className="mb-5 flex flex-col gap-2 sm:flex-row sm:items-end sm:justify-between">
        <div>
          <h1 className="text-xl font-semibold tracking-tight sm:text-2xl">{t("title")}</h1>
          <p className="mt-1 text-sm text-muted-foreground">
            {data?.as_of ? t("asOf", { time: formatDateTime(data.as_of) }) : t("subtitle")}
          </p>
        </div>
        <SimulatedBadge source={data?.source} className="hidden sm:inline-flex" />
      </div>

      {summary.error && !data ? (
        <ErrorState error={summary.error} onRetry={() => void summary.refetch()} title={t("unavailable")} />
      ) : !data ? (
        <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
          {Array.from({ length: 4 }).map((_, i) => (
            <Skeleton key={i} className="h-28" />
          ))}
        </div>
      ) : (
        <>
          <div className={cn("grid grid-cols-2 gap-3 sm:gap-4", data.indices.length === 3 ? "xl:grid-cols-3" : "xl:grid-cols-4")}>
            {sortIndices(data.indices).map((index) => (
              <IndexCard key={index.symbol} index={index} />
            ))}
          </div>
          {breadth && totalBreadth > 0 && (
            <Card className="mt-4 gap-2 py-4">
              <CardContent>
                <div className="flex items-center justify-between text-xs">
                  <span className="text-up">{t("advancing", { count: formatNumber(breadth.advancers) })}</span>
                  <span className="text-ref">{t("unchanged", { count: formatNumber(breadth.unchanged) })}</span>
                  <span className="text-down">{t("declining", { count: formatNumber(breadth.decliners) })}</span>
                </div>
                <div className="mt-2 flex h-2 overflow-hidden rounded-full" role="img" aria-label={t("breadth")}>
                  <span className="bg-up" style={{ width: `${(breadth.advancers / totalBreadth) * 100}%` }} />
                  <span className="bg-ref" style={{ width: `${(breadth.unchanged / totalBreadth) * 100}%` }} />
                  <span className="bg-down" style={{ width: `${(breadth.decliners / totalBreadth) * 100}%` }} />
                </div>
              </CardContent>
            </Card>
          )}
          <div className="mt-4 grid gap-4 lg:grid-cols-3">
            <MoverList id="top-gainers" title={t("gainers.title")} description={t("gainers.text")} quotes={data.gainers} metric="change" />
            <MoverList id="top-losers" title={t("losers.title")} description={t("losers.text")} quotes={data.losers} metric="change" />
            <MoverList id="most-active" title={t("active.title")} description={t("active.text")} quotes={data.most_active} metric="volume" />
          </div>
        </>
      )}

      <Card className="mt-4 gap-3">
        <CardHeader>
          <div>
            <CardTitle>{t("heatmap.title")}</CardTitle>
            <CardDescription className="mt-1">{t("heatmap.text")}</CardDescription>
          </div>
        </CardHeader>
        <CardContent>
          {vn30.length === 0 ? (
            vn30Query.isLoading ? <Skeleton className="h-64" /> : <EmptyState title={t("heatmap.empty")} />
          ) : (
            <div className="grid grid-cols-3 gap-1.5 sm:grid-cols-5 lg:grid-cols-6 xl:grid-cols-10" data-testid="vn30-heatmap">
              {vn30.map((symbol) => (
                <HeatTile key={symbol} symbol={symbol} />
              ))}
            </div>
          )}
        </CardContent>
      </Card>
    </>
  );
}
