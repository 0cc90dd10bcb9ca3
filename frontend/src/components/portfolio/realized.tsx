"use client";
// Realized P&L as the API computes it (portfolio cost method, whole VND): one cell per sale in the
// transactions table, and the list of positions sold out.
import Link from "next/link";
import { ChangeText } from "@/components/common/price";
import { EmptyState, ErrorState, TableSkeleton } from "@/components/common/states";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useClosedPositions } from "@/lib/api/queries";
import type { ClosedPosition, SaleRealized } from "@/lib/api/types";
import { formatDate, formatPrice, formatQuantity } from "@/lib/format";

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
  if (!realized) return <span className="text-muted-foreground">—</span>;
  const detail = `Proceeds ${formatPrice(realized.proceeds)} ₫ (after fee ${formatPrice(realized.fee)} and tax ${formatPrice(realized.tax)}) − cost ${formatPrice(realized.cost)} ₫`;
  return <PnlStack amount={realized.realized_pnl} pct={realized.realized_pnl_pct} title={detail} />;
}

export function ClosedPositionsTable({ rows }: { rows: ClosedPosition[] }) {
  return (
    <Table data-testid="closed-positions-table">
      <TableHeader>
        <TableRow className="hover:bg-transparent">
          <TableHead className="pl-5">Symbol</TableHead>
          <TableHead>Held</TableHead>
          <TableHead className="text-right">Quantity</TableHead>
          <TableHead className="text-right">Cost</TableHead>
          <TableHead className="text-right">Proceeds</TableHead>
          <TableHead className="text-right">Fees / taxes</TableHead>
          <TableHead className="pr-5 text-right">Realized P&amp;L</TableHead>
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
  return (
    <Card className="mt-4 gap-0 py-0" data-testid="closed-positions">
      <CardHeader className="border-b p-4 sm:p-5">
        <CardTitle>Closed positions</CardTitle>
        <CardDescription>Holdings sold out: cost includes buy fees, proceeds are after sell fees and taxes.</CardDescription>
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
        <EmptyState title="No closed positions yet" description="A position appears here once all of its shares are sold." />
      ) : (
        <ClosedPositionsTable rows={closed.data.results} />
      )}
    </Card>
  );
}
