"use client";
import { ArrowDownIcon, ArrowUpDownIcon, ArrowUpIcon, ChevronLeftIcon, ChevronRightIcon, DownloadIcon, MoreHorizontalIcon, PencilIcon, PlusIcon, ReceiptIcon, Trash2Icon, XIcon } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { toast } from "sonner";
import { EmptyState, ErrorState, PageHeader, TableSkeleton } from "@/components/common/states";
import { CreatePortfolioDialog } from "@/components/portfolio/create-portfolio-dialog";
import { ImportDialog } from "@/components/portfolio/import-dialog";
import { PortfolioSwitcher } from "@/components/portfolio/portfolio-switcher";
import { ClosedPositionsCard, RealizedCell } from "@/components/portfolio/realized";
import { KIND_LABELS, TransactionDialog } from "@/components/portfolio/transaction-dialog";
import { AlertDialog, AlertDialogAction, AlertDialogCancel, AlertDialogContent, AlertDialogDescription, AlertDialogFooter, AlertDialogHeader, AlertDialogTitle } from "@/components/ui/alert-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from "@/components/ui/dropdown-menu";
import { Input, NativeSelect } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useSelectedPortfolio } from "@/hooks/use-selected-portfolio";
import { errorMessage } from "@/lib/api/errors";
import { downloadExport, useDeleteTransaction, useTransactions, type TransactionFilters } from "@/lib/api/queries";
import { TRANSACTION_KINDS, type Transaction } from "@/lib/api/types";
import { cn } from "@/lib/cn";
import { formatDate, formatNumber, formatPrice, formatQuantity, toNumber } from "@/lib/format";

const PAGE_SIZE = 20;
const SHARE_KINDS = new Set(["BUY", "SELL", "STOCK_DIVIDEND", "RIGHTS_SUBSCRIPTION"]);

const KIND_TONE: Record<string, "up" | "down" | "secondary" | "outline"> = {
  BUY: "up",
  SELL: "down",
  DEPOSIT: "secondary",
  WITHDRAWAL: "secondary",
  DIVIDEND: "outline",
  STOCK_DIVIDEND: "outline",
  FEE: "outline",
  INTEREST: "outline",
  RIGHTS_SUBSCRIPTION: "up",
};

/** Cash effect of a row for display (the ledger is authoritative). */
function total(tx: Transaction): number | null {
  const qty = toNumber(tx.quantity);
  const price = toNumber(tx.price);
  const fee = toNumber(tx.fee) ?? 0;
  const tax = toNumber(tx.tax) ?? 0;
  if ((tx.kind === "BUY" || tx.kind === "RIGHTS_SUBSCRIPTION") && qty !== null && price !== null) return -(qty * price + fee);
  if (tx.kind === "SELL" && qty !== null && price !== null) return qty * price - fee - tax;
  const amount = toNumber(tx.amount);
  if (amount === null) return null;
  if (tx.kind === "WITHDRAWAL" || tx.kind === "FEE") return -amount;
  if (tx.kind === "DIVIDEND") return amount - tax;
  return amount;
}

function SortHead({ label, field, ordering, onSort, className }: { label: string; field: string; ordering: string; onSort: (o: string) => void; className?: string }) {
  const active = ordering.replace(/^-/, "") === field;
  const desc = ordering.startsWith("-");
  const Icon = !active ? ArrowUpDownIcon : desc ? ArrowDownIcon : ArrowUpIcon;
  return (
    <TableHead className={className} aria-sort={active ? (desc ? "descending" : "ascending") : "none"}>
      <button type="button" className={cn("inline-flex items-center gap-1 hover:text-foreground cursor-pointer", active && "text-foreground")} onClick={() => onSort(active && !desc ? `-${field}` : field)}>
        {label}
        <Icon className="size-3" />
      </button>
    </TableHead>
  );
}

export function TransactionsView() {
  const { portfolios, selected, select, isLoading, error, refetch } = useSelectedPortfolio();
  const [filters, setFilters] = useState<TransactionFilters>({ page: 1, page_size: PAGE_SIZE, ordering: "-trade_date" });
  const [editing, setEditing] = useState<{ key: number; tx: Transaction | null } | null>(null);
  const [deleting, setDeleting] = useState<Transaction | null>(null);
  const id = selected?.id ?? null;
  const transactions = useTransactions(id, filters);
  const remove = useDeleteTransaction(id ?? 0);

  const update = (patch: Partial<TransactionFilters>) => setFilters((f) => ({ ...f, page: 1, ...patch }));
  const filtered = Boolean(filters.kind || filters.symbol || filters.date_from || filters.date_to);

  if (isLoading) return <Skeleton className="h-96" />;
  if (error) return <ErrorState error={error} onRetry={() => void refetch()} />;
  if (!selected) {
    return (
      <>
        <PageHeader title="Portfolio" />
        <Card>
          <EmptyState title="No portfolio yet" description="Create one to start recording trades." action={<CreatePortfolioDialog />} />
        </Card>
      </>
    );
  }

  const data = transactions.data;
  const count = data?.count ?? 0;
  const pages = Math.max(1, Math.ceil(count / (filters.page_size || PAGE_SIZE)));
  const slug = selected.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "portfolio";

  return (
    <>
      <PageHeader
        title={selected.name}
        description={selected.description || "Transactions: trades, cash movements, dividends and fees"}
        actions={
          <>
            <PortfolioSwitcher portfolios={portfolios} selected={selected} onSelect={select} />
            <ImportDialog portfolioId={selected.id} />
            <DropdownMenu>
              <DropdownMenuTrigger asChild>
                <Button variant="outline" size="sm">
                  <DownloadIcon /> Export
                </Button>
              </DropdownMenuTrigger>
              <DropdownMenuContent align="end">
                {(["csv", "json"] as const).map((format) => (
                  <DropdownMenuItem
                    key={format}
                    onSelect={() =>
                      downloadExport(selected.id, format, `${slug}-transactions.${format}`).catch((e) => toast.error(`Export failed: ${errorMessage(e)}`))
                    }
                  >
                    {format.toUpperCase()}
                  </DropdownMenuItem>
                ))}
              </DropdownMenuContent>
            </DropdownMenu>
            <Button size="sm" onClick={() => setEditing({ key: Date.now(), tx: null })}>
              <PlusIcon /> Add transaction
            </Button>
          </>
        }
      />

      <Card className="gap-0 py-0">
        <div className="flex flex-wrap items-end gap-2 border-b p-3 sm:p-4" role="search" aria-label="Filter transactions">
          <NativeSelect aria-label="Type" className="w-40" value={filters.kind ?? ""} onChange={(e) => update({ kind: e.target.value || undefined })}>
            <option value="">All types</option>
            {TRANSACTION_KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </NativeSelect>
          <Input aria-label="Symbol" placeholder="Symbol" className="w-28 uppercase" value={filters.symbol ?? ""} onChange={(e) => update({ symbol: e.target.value.toUpperCase() || undefined })} />
          <div className="flex items-center gap-1.5">
            <Input aria-label="From date" type="date" className="w-40" value={filters.date_from ?? ""} onChange={(e) => update({ date_from: e.target.value || undefined })} />
            <span className="text-muted-foreground">–</span>
            <Input aria-label="To date" type="date" className="w-40" value={filters.date_to ?? ""} onChange={(e) => update({ date_to: e.target.value || undefined })} />
          </div>
          {filtered && (
            <Button variant="ghost" size="sm" onClick={() => update({ kind: undefined, symbol: undefined, date_from: undefined, date_to: undefined })}>
              <XIcon /> Clear
            </Button>
          )}
          <span className="ml-auto text-xs text-muted-foreground" aria-live="polite">
            {data ? `${formatNumber(count)} transactions` : ""}
          </span>
        </div>

        {transactions.isLoading ? (
          <div className="py-5">
            <TableSkeleton rows={8} cols={8} />
          </div>
        ) : transactions.error ? (
          <div className="p-5">
            <ErrorState error={transactions.error} onRetry={() => void transactions.refetch()} />
          </div>
        ) : !data || data.results.length === 0 ? (
          <EmptyState
            icon={ReceiptIcon}
            title={filtered ? "No transactions match" : "No transactions yet"}
            description={filtered ? "Try other filters." : "Start with a deposit, then record your buys. Or import a CSV from your broker."}
            action={
              !filtered && (
                <Button size="sm" onClick={() => setEditing({ key: Date.now(), tx: null })}>
                  <PlusIcon /> Add transaction
                </Button>
              )
            }
          />
        ) : (
          <Table data-testid="transactions-table" className={cn(transactions.isPlaceholderData && "opacity-60")}>
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <SortHead label="Date" field="trade_date" ordering={filters.ordering ?? ""} onSort={(o) => update({ ordering: o })} className="pl-5" />
                <SortHead label="Type" field="kind" ordering={filters.ordering ?? ""} onSort={(o) => update({ ordering: o })} />
                <TableHead>Symbol</TableHead>
                <TableHead className="text-right">Quantity</TableHead>
                <TableHead className="text-right">Price / amount</TableHead>
                <TableHead className="text-right">Fee / tax</TableHead>
                <TableHead className="text-right">Cash effect</TableHead>
                <TableHead className="text-right">Realized P&amp;L</TableHead>
                <TableHead className="w-12 pr-5">
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.results.map((tx) => {
                const effect = total(tx);
                return (
                  <TableRow key={tx.id} data-testid={`tx-${tx.id}`}>
                    <TableCell className="tabular pl-5">{formatDate(tx.trade_date)}</TableCell>
                    <TableCell>
                      <Badge variant={KIND_TONE[tx.kind] ?? "outline"}>{KIND_LABELS[tx.kind] ?? tx.kind}</Badge>
                    </TableCell>
                    <TableCell className="font-medium">
                      {tx.symbol ? (
                        <Link className="hover:text-primary" href={`/instruments/${tx.symbol}`}>
                          {tx.symbol}
                        </Link>
                      ) : (
                        <span className="text-muted-foreground">—</span>
                      )}
                    </TableCell>
                    <TableCell className="tabular text-right">{SHARE_KINDS.has(tx.kind) ? formatQuantity(tx.quantity) : <span className="text-muted-foreground">—</span>}</TableCell>
                    <TableCell className="tabular text-right">{tx.price != null ? formatPrice(tx.price) : tx.amount != null ? <span className="text-muted-foreground">{formatPrice(tx.amount)}</span> : "—"}</TableCell>
                    <TableCell className="tabular text-right text-muted-foreground">
                      {formatPrice(tx.fee ?? 0)}
                      {toNumber(tx.tax) ? ` / ${formatPrice(tx.tax)}` : ""}
                    </TableCell>
                    <TableCell className={cn("tabular text-right font-medium", effect !== null && effect < 0 ? "text-down" : effect ? "text-up" : "")}>
                      {effect === null ? "—" : formatNumber(effect, { signed: true })}
                    </TableCell>
                    <TableCell className="tabular text-right" data-testid={`tx-realized-${tx.id}`}>
                      <RealizedCell realized={tx.realized} />
                    </TableCell>
                    <TableCell className="pr-5">
                      <DropdownMenu>
                        <DropdownMenuTrigger asChild>
                          <Button variant="ghost" size="icon-sm" aria-label={`Actions for transaction ${tx.id}`}>
                            <MoreHorizontalIcon />
                          </Button>
                        </DropdownMenuTrigger>
                        <DropdownMenuContent align="end">
                          <DropdownMenuItem onSelect={() => setEditing({ key: Date.now(), tx })}>
                            <PencilIcon /> Edit
                          </DropdownMenuItem>
                          <DropdownMenuItem className="text-destructive focus:text-destructive" onSelect={() => setDeleting(tx)}>
                            <Trash2Icon className="text-destructive!" /> Delete
                          </DropdownMenuItem>
                        </DropdownMenuContent>
                      </DropdownMenu>
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        )}

        {data && count > 0 && (
          <div className="flex items-center justify-between gap-2 border-t px-4 py-3 text-sm">
            <NativeSelect aria-label="Rows per page" className="h-8 w-32" value={filters.page_size} onChange={(e) => update({ page_size: Number(e.target.value) })}>
              {[20, 50, 100].map((n) => (
                <option key={n} value={n}>
                  {n} per page
                </option>
              ))}
            </NativeSelect>
            <div className="flex items-center gap-2">
              <span className="text-muted-foreground">
                Page {filters.page} of {pages}
              </span>
              <Button variant="outline" size="icon-sm" aria-label="Previous page" disabled={filters.page <= 1} onClick={() => setFilters((f) => ({ ...f, page: f.page - 1 }))}>
                <ChevronLeftIcon />
              </Button>
              <Button variant="outline" size="icon-sm" aria-label="Next page" disabled={!data.next} onClick={() => setFilters((f) => ({ ...f, page: f.page + 1 }))}>
                <ChevronRightIcon />
              </Button>
            </div>
          </div>
        )}
      </Card>

      <ClosedPositionsCard portfolioId={selected.id} />

      {editing && (
        <TransactionDialog key={editing.key} portfolioId={selected.id} transaction={editing.tx} open onOpenChange={(open) => !open && setEditing(null)} />
      )}

      <AlertDialog open={deleting !== null} onOpenChange={(open) => !open && setDeleting(null)}>
        <AlertDialogContent>
          <AlertDialogHeader>
            <AlertDialogTitle>Delete this transaction?</AlertDialogTitle>
            <AlertDialogDescription>
              {deleting && `${KIND_LABELS[deleting.kind]}${deleting.symbol ? ` ${deleting.symbol}` : ""} on ${formatDate(deleting.trade_date)}.`} Holdings and returns are recalculated. This cannot be undone.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <AlertDialogFooter>
            <AlertDialogCancel>Keep it</AlertDialogCancel>
            <AlertDialogAction
              onClick={async () => {
                if (!deleting) return;
                try {
                  await remove.mutateAsync(deleting.id);
                  toast.success("Transaction deleted");
                } catch (e) {
                  toast.error(errorMessage(e));
                }
              }}
            >
              Delete
            </AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
    </>
  );
}
