"use client";
// Realized P&L as the API computes it (portfolio cost method, whole VND): one cell per sale in the
// transactions table, and the list of positions sold out.
import { useFormat } from "@/hooks/use-format";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { ChangeText } from "@/components/common/price";
import { EmptyState, ErrorState, TableSkeleton } from "@/components/common/states";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useClosedPositions } from "@/lib/api/queries";
import type { ClosedPosition, SaleRealized } from "@/lib/api/types";

/** An amount over its percentage, toned by sign. */
function PnlStack({ amount, pct, title }: { amount: string; pct: string | null | undefined; title?: string }) {
  return (
    <span title={title} className="inline-flex flex-col items-end">
      <ChangeText value={amount} kind="number" className="font-medium" />
      <ChangeText value={pct} className="text-xs" />
    </span>
  );
}

/** What a SELL realized, with its proceeds and cost in the tooltip; a dash for other kinds. */
export function RealizedCell({ realized }: { realized: SaleRealized | null | undefined }) {
  const { formatPrice, formatVnd } = useFormat();
  const t = useTranslations("portfolio.realized");
  if (!realized) return <span className="text-muted-foreground">—</span>;
  const detail = t("detail", { proceeds: formatVnd(realized.proceeds), fee: formatPrice(realized.fee), tax: formatPrice(realized.tax), cost: formatVnd(realized.cost) });
  return <PnlStack amount={realized.realized_pnl} pct={realized.realized_pnl_pct} title={detail} />;
}

export function ClosedPositionsTable({ rows }: { rows: ClosedPosition[] }) {
  const { formatPrice, formatQuantity, formatDate } = useFormat();
  const t = useTranslations("portfolio.closed");
  const c = useTranslations("common.col");
  return (
    <Table data-testid="closed-positions-table">
      <TableHeader>
        <TableRow className="hover:bg-transparent">
          <TableHead className="pl-5">{c("symbol")}</TableHead>
          <TableHead>{t("held")}</TableHead>
          <TableHead className="text-right">{c("quantity")}</TableHead>
          <TableHead className="text-right">{t("cost")}</TableHead>
          <TableHead className="text-right">{t("proceeds")}</TableHead>
          <TableHead className="text-right">{t("feesTaxes")}</TableHead>
          <TableHead className="pr-5 text-right">{t("pnl")}</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={`${row.symbol}-${row.first_trade_date}-${row.last_trade_date}`} data-testid={`closed-${row.symbol}-${row.last_trade_date}`}>
            <TableCell className="pl-5 font-medium">
              <Link className="hover:text-primary" href={`/instruments/${row.symbol}`}>
                {row.symbol}
              </Link>
            </TableCell>
            <TableCell className="tabular text-muted-foreground">
              {formatDate(row.first_trade_date)} – {formatDate(row.last_trade_date)}
            </TableCell>
            <TableCell className="tabular text-right">{formatQuantity(row.quantity)}</TableCell>
            <TableCell className="tabular text-right">{formatPrice(row.cost)}</TableCell>
            <TableCell className="tabular text-right">{formatPrice(row.proceeds)}</TableCell>
            <TableCell className="tabular text-right text-muted-foreground">
              {formatPrice(row.fees)} / {formatPrice(row.taxes)}
            </TableCell>
            <TableCell className="pr-5 text-right">
              <PnlStack amount={row.realized_pnl} pct={row.realized_pnl_pct} />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** The portfolio's closed positions, newest first (refetched with the rest of the portfolio). */
export function ClosedPositionsCard({ portfolioId }: { portfolioId: number }) {
  const closed = useClosedPositions(portfolioId);
  const t = useTranslations("portfolio.closed");
  return (
    <Card className="mt-4 gap-0 py-0" data-testid="closed-positions">
      <CardHeader className="border-b p-4 sm:p-5">
        <div>
          <CardTitle>{t("title")}</CardTitle>
          <CardDescription className="mt-1">{t("text")}</CardDescription>
        </div>
      </CardHeader>
      {closed.isLoading ? (
        <div className="py-5">
          <TableSkeleton rows={3} cols={7} />
        </div>
      ) : closed.error ? (
        <div className="p-5">
          <ErrorState error={closed.error} onRetry={() => void closed.refetch()} />
        </div>
      ) : !closed.data || closed.data.results.length === 0 ? (
        <EmptyState title={t("emptyTitle")} description={t("emptyText")} />
      ) : (
        <ClosedPositionsTable rows={closed.data.results} />
      )}
    </Card>
  );
}
