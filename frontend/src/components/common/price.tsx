"use client";
import { useFormat } from "@/hooks/use-format";
import { ArrowDownRightIcon, ArrowUpRightIcon, MinusIcon } from "lucide-react";
import { cn } from "@/lib/cn";
import { changeTone, priceTone, toneClass, type PriceTone } from "@/lib/format";
import { useLiveQuote, type LiveQuote } from "@/stores/quotes";

/** A live price that flashes green/red on each tick and is coloured by the Vietnamese board rules. */
export function LivePrice({
  symbol,
  fallback,
  reference,
  className,
  showChange = false,
}: {
  symbol: string;
  fallback?: string | null;
  reference?: string | null;
  className?: string;
  showChange?: boolean;
}) {
  const { formatPrice } = useFormat();
  const quote = useLiveQuote(symbol);
  const price = quote?.price ?? fallback ?? null;
  const ref = quote?.reference_price ?? reference ?? null;
  const tone = priceTone(price, ref, quote?.ceiling_price, quote?.floor_price);
  return <FlashingValue quote={quote} tone={tone} value={formatPrice(price)} className={className} change={showChange ? quote?.change_pct : undefined} testId={`price-${symbol}`} />;
}

export function FlashingValue({
  quote,
  tone,
  value,
  className,
  change,
  testId,
}: {
  quote: LiveQuote | undefined;
  tone: PriceTone;
  value: string;
  className?: string;
  change?: string | null;
  testId?: string;
}) {
  const { formatPercent } = useFormat();
  const flash = quote?.flash ?? 0;
  const direction = quote?.direction ?? null;
  return (
    <span
      key={flash}
      data-testid={testId}
      data-flash={flash > 0 ? (direction ?? "same") : undefined}
      data-flash-count={flash}
      className={cn(
        "tabular inline-block rounded px-1 -mx-1 font-medium",
        toneClass[tone],
        flash > 0 && direction === "up" && "flash-up",
        flash > 0 && direction === "down" && "flash-down",
        className,
      )}
    >
      {value}
      {change !== undefined && <span className="ml-1.5 text-xs opacity-90">{formatPercent(change)}</span>}
    </span>
  );
}

/** A signed amount or percentage coloured green/red. */
export function ChangeText({
  value,
  kind = "percent",
  className,
  arrow = false,
  tone,
}: {
  value: string | number | null | undefined;
  kind?: "percent" | "vnd" | "number" | "ratio";
  className?: string;
  arrow?: boolean;
  tone?: PriceTone;
}) {
  const { formatPrice, formatPercent, formatVnd } = useFormat();
  const t = tone ?? changeTone(value);
  const text =
    kind === "percent"
      ? formatPercent(value)
      : kind === "ratio"
        ? formatPercent(value === null || value === undefined ? null : Number(value) * 100)
        : kind === "vnd"
          ? formatVnd(value, { signed: true })
          : formatPrice(value, { signed: true });
  const Icon = t === "up" ? ArrowUpRightIcon : t === "down" ? ArrowDownRightIcon : MinusIcon;
  return (
    <span className={cn("tabular inline-flex items-center gap-0.5", toneClass[t], className)}>
      {arrow && t !== "ref" && <Icon className="size-3.5" />}
      {text}
    </span>
  );
}
