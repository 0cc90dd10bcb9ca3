"use client";
import { useFormat } from "@/hooks/use-format";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { ChangeText, FlashingValue } from "@/components/common/price";
import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { priceTone, toNumber } from "@/lib/format";
import type { LiveHolding } from "@/lib/valuation";
import { useQuotes } from "@/stores/quotes";

function PriceCell({ row, testId = `holding-price-${row.symbol}` }: { row: LiveHolding; testId?: string }) {
  const { formatPrice } = useFormat();
  const quote = useQuotes((s) => s.quotes[row.symbol.toUpperCase()]);
  const tone = quote?.reference_price ? priceTone(row.livePrice, quote.reference_price, quote.ceiling_price, quote.floor_price) : "none";
  return <FlashingValue quote={quote} tone={tone} value={formatPrice(row.livePrice)} testId={testId} />;
}

/** A small badge when the holding has pending entitlements (gone ex, not received yet). */
function PendingBadge({ row }: { row: LiveHolding }) {
  const { formatQuantity, formatVnd } = useFormat();
  const t = useTranslations("dashboard.holdings");
  const shares = toNumber(row.pending_shares) ?? 0;
  const cash = toNumber(row.pending_cash) ?? 0;
  if (!shares && !cash) return null;
  const parts = [
    shares > 0 ? t("pendingShares", { count: formatQuantity(shares) }) : null,
    shares < 0 ? t("pendingSharesTaken", { count: formatQuantity(-shares) }) : null,
    cash ? t("pendingCash", { amount: formatVnd(cash) }) : null,
  ].filter(Boolean);
  return (
    <Badge variant="warning" className="mt-0.5" title={t("pendingHint")} data-testid={`holding-pending-${row.symbol}`}>
      {parts.join(" · ")}
    </Badge>
  );
}

/** Phones: one card per holding instead of a wide table. */
function HoldingCards({ rows }: { rows: LiveHolding[] }) {
  const { formatNumber, formatQuantity } = useFormat();
  return (
    <ul className="divide-y sm:hidden" data-testid="holdings-cards">
      {rows.map((row) => (
        <li key={row.symbol}>
          <Link href={`/instruments/${row.symbol}`} className="flex items-center gap-3 px-4 py-3 active:bg-muted/60">
            <span className="grid size-9 shrink-0 place-items-center rounded-md bg-primary/10 text-[11px] font-bold text-primary">{row.symbol.slice(0, 3)}</span>
            <span className="min-w-0 flex-1">
              <span className="flex items-baseline gap-2">
                <span className="font-semibold">{row.symbol}</span>
                <span className="tabular text-xs text-muted-foreground">× {formatQuantity(row.quantity)}</span>
              </span>
              <PendingBadge row={row} />
              <span className="mt-0.5 flex items-center gap-2 text-sm">
                <PriceCell row={row} testId={`holding-card-price-${row.symbol}`} />
                <ChangeText value={row.liveDayChangePct} className="text-xs" />
              </span>
            </span>
            <span className="text-right">
              <span className="tabular block font-medium">{formatNumber(row.liveValue)}</span>
              <ChangeText value={row.livePnl} kind="number" className="text-xs" />
            </span>
          </Link>
        </li>
      ))}
    </ul>
  );
}

export function HoldingsTable({ rows }: { rows: LiveHolding[] }) {
  const { formatNumber, formatPrice, formatQuantity, formatPercent } = useFormat();
  const t = useTranslations("dashboard.holdings");
  const c = useTranslations("common.col");
  return (
    <>
      <Table data-testid="holdings-table" className="hidden sm:table">
        <TableHeader>
          <TableRow className="hover:bg-transparent">
            <TableHead className="pl-5">{c("symbol")}</TableHead>
            <TableHead className="text-right">{c("quantity")}</TableHead>
            <TableHead className="text-right">{t("avgCost")}</TableHead>
            <TableHead className="text-right">{c("price")}</TableHead>
            <TableHead className="text-right">{t("day")}</TableHead>
            <TableHead className="text-right">{t("marketValue")}</TableHead>
            <TableHead className="text-right">{t("pnl")}</TableHead>
            <TableHead className="pr-5 text-right">{t("weight")}</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {rows.map((row) => (
            <TableRow key={row.symbol} data-testid={`holding-${row.symbol}`}>
              <TableCell className="pl-5">
                <Link href={`/instruments/${row.symbol}`} className="group flex items-center gap-2.5">
                  <span className="grid size-8 shrink-0 place-items-center rounded-md bg-primary/10 text-[11px] font-bold text-primary">{row.symbol.slice(0, 3)}</span>
                  <span className="min-w-0">
                    <span className="block font-semibold group-hover:text-primary">{row.symbol}</span>
                    {row.name && <span className="block max-w-40 truncate text-xs text-muted-foreground">{row.name}</span>}
                    <PendingBadge row={row} />
                  </span>
                </Link>
              </TableCell>
              <TableCell className="tabular text-right">{formatQuantity(row.quantity)}</TableCell>
              <TableCell className="tabular text-right text-muted-foreground">{formatPrice(row.avg_cost)}</TableCell>
              <TableCell className="text-right">
                <PriceCell row={row} />
              </TableCell>
              <TableCell className="text-right">
                <ChangeText value={row.liveDayChangePct} />
              </TableCell>
              <TableCell className="tabular text-right font-medium" data-testid={`holding-value-${row.symbol}`}>
                {formatNumber(row.liveValue)}
              </TableCell>
              <TableCell className="text-right">
                <div className="flex flex-col items-end">
                  <ChangeText value={row.livePnl} kind="number" className="font-medium" />
                  <ChangeText value={row.livePnlPct} className="text-xs" />
                </div>
              </TableCell>
              <TableCell className="pr-5 text-right">
                <div className="flex items-center justify-end gap-2">
                  <span className="hidden h-1.5 w-14 overflow-hidden rounded-full bg-muted sm:block">
                    <span className="block h-full rounded-full bg-primary" style={{ width: `${Math.min(100, Math.max(0, row.liveWeight ?? 0))}%` }} />
                  </span>
                  <span className="tabular w-14 text-xs text-muted-foreground">{formatPercent(row.liveWeight, { signed: false, digits: 1 })}</span>
                </div>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <HoldingCards rows={rows} />
    </>
  );
}
