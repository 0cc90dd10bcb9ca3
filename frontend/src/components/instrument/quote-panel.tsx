"use client";
import { useFormat } from "@/hooks/use-format";
import { useTranslations } from "next-intl";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { cn } from "@/lib/cn";
import { priceTone, toneBgClass, toneClass, toNumber } from "@/lib/format";
import type { DepthLevel } from "@/lib/api/types";
import type { LiveQuote } from "@/stores/quotes";

function Row({ label, value, className, testId }: { label: string; value: React.ReactNode; className?: string; testId?: string }) {
  return (
    <div className="flex items-center justify-between py-1.5 text-sm" data-testid={testId}>
      <span className="text-muted-foreground">{label}</span>
      <span className={cn("tabular font-medium", className)}>{value}</span>
    </div>
  );
}

/** The board: reference (yellow), ceiling (purple), floor (cyan); OHLC and depth coloured against the reference. */
export function QuotePanel({ quote }: { quote: LiveQuote | undefined }) {
  const { formatNumber, formatPrice, formatCompact, formatDateTime } = useFormat();
  const t = useTranslations("instrument.quote");
  const ref = quote?.reference_price;
  const tone = (p: string | null | undefined) => toneClass[priceTone(p, ref, quote?.ceiling_price, quote?.floor_price)];
  const bids = ((quote?.bids ?? []) as DepthLevel[]).slice(0, 3);
  const asks = ((quote?.asks ?? []) as DepthLevel[]).slice(0, 3);
  const maxVolume = Math.max(1, ...[...bids, ...asks].map(([, v]) => toNumber(v) ?? 0));
  return (
    <Card className="gap-3" data-testid="quote-panel">
      <CardHeader>
        <CardTitle>{t("title")}</CardTitle>
        {quote?.as_of && <span className="text-xs text-muted-foreground">{formatDateTime(quote.as_of)}</span>}
      </CardHeader>
      <CardContent>
        <div className="grid grid-cols-3 gap-2 text-center">
          {(
            [
            { key: "ceiling", value: quote?.ceiling_price, cls: "text-ceiling", bg: "bg-ceiling/10" },
            { key: "reference", value: ref, cls: "text-ref", bg: "bg-ref/10" },
            { key: "floor", value: quote?.floor_price, cls: "text-floor", bg: "bg-floor/10" },
          ] as const).map((item) => (
            <div key={item.key} className={cn("rounded-lg px-2 py-2", item.bg)} data-testid={`quote-${item.key}`}>
              <div className="text-[11px] text-muted-foreground">{t(item.key)}</div>
              <div className={cn("tabular text-sm font-semibold", item.cls)}>{formatPrice(item.value)}</div>
            </div>
          ))}
        </div>
        <div className="mt-3 grid grid-cols-2 gap-x-6 divide-y-0">
          <div className="divide-y">
            <Row label={t("open")} value={formatPrice(quote?.open)} className={tone(quote?.open)} />
            <Row label={t("high")} value={formatPrice(quote?.high)} className={tone(quote?.high)} />
            <Row label={t("low")} value={formatPrice(quote?.low)} className={tone(quote?.low)} />
          </div>
          <div className="divide-y">
            <Row label={t("volume")} value={formatCompact(quote?.volume)} />
            <Row label={t("value")} value={formatCompact(quote?.value)} />
            <Row label={t("foreignNet")} value={formatCompact(toNumber(quote?.foreign_buy) !== null ? (toNumber(quote?.foreign_buy) ?? 0) - (toNumber(quote?.foreign_sell) ?? 0) : null)} />
          </div>
        </div>
        {(bids.length > 0 || asks.length > 0) && (
          <div className="mt-4">
            <div className="mb-1.5 grid grid-cols-2 text-[11px] text-muted-foreground">
              <span>{t("bid")}</span>
              <span className="text-right">{t("ask")}</span>
            </div>
            <div className="grid grid-cols-2 gap-2">
              <div className="space-y-1">
                {bids.map(([price, volume], i) => (
                  <div key={`b${i}`} className="relative flex justify-between overflow-hidden rounded px-2 py-1 text-xs">
                    <span className={cn("absolute inset-y-0 right-0 opacity-15", toneBgClass.up)} style={{ width: `${((toNumber(volume) ?? 0) / maxVolume) * 100}%` }} />
                    <span className="tabular relative text-muted-foreground">{formatNumber(volume)}</span>
                    <span className={cn("tabular relative font-medium", tone(price))}>{formatPrice(price)}</span>
                  </div>
                ))}
              </div>
              <div className="space-y-1">
                {asks.map(([price, volume], i) => (
                  <div key={`a${i}`} className="relative flex justify-between overflow-hidden rounded px-2 py-1 text-xs">
                    <span className={cn("absolute inset-y-0 left-0 opacity-15", toneBgClass.down)} style={{ width: `${((toNumber(volume) ?? 0) / maxVolume) * 100}%` }} />
                    <span className={cn("tabular relative font-medium", tone(price))}>{formatPrice(price)}</span>
                    <span className="tabular relative text-muted-foreground">{formatNumber(volume)}</span>
                  </div>
                ))}
              </div>
            </div>
          </div>
        )}
      </CardContent>
    </Card>
  );
}
