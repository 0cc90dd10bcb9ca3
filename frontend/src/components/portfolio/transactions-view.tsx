"use client";
import { useFormat } from "@/hooks/use-format";
import { ArrowDownIcon, ArrowUpDownIcon, ArrowUpIcon, ChevronLeftIcon, ChevronRightIcon, DownloadIcon, MoreHorizontalIcon, PencilIcon, PlusIcon, ReceiptIcon, Trash2Icon, XIcon } from "lucide-react";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { toast } from "sonner";
import { EmptyState, ErrorState, PageHeader, TableSkeleton } from "@/components/common/states";
import { CreatePortfolioDialog } from "@/components/portfolio/create-portfolio-dialog";
import { ImportDialog } from "@/components/portfolio/import-dialog";
import { PortfolioSwitcher } from "@/components/portfolio/portfolio-switcher";
import { ClosedPositionsCard, RealizedCell } from "@/components/portfolio/realized";
import { TransactionDialog } from "@/components/portfolio/transaction-dialog";
import { AlertDialog, AlertDialogAction, AlertDialogCancel, AlertDialogContent, AlertDialogDescription, AlertDialogFooter, AlertDialogHeader, AlertDialogTitle } from "@/components/ui/alert-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from "@/components/ui/dropdown-menu";
import { Input, NativeSelect } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useSelectedPortfolio } from "@/hooks/use-selected-portfolio";
import { useErrorMessage } from "@/hooks/use-error-message";
import { downloadExport, useDeleteTransaction, useTransactions, type TransactionFilters } from "@/lib/api/queries";
import { TRANSACTION_KINDS, type Transaction, type TransactionKind } from "@/lib/api/types";
import { cn } from "@/lib/cn";
import { toNumber } from "@/lib/format";

const PAGE_SIZE = 20;
const SHARE_KINDS = new Set(["BUY", "SELL", "STOCK_DIVIDEND", "RIGHTS_SUBSCRIPTION", "SHARE_CONSOLIDATION"]);

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
  SHARE_CONSOLIDATION: "outline",
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

function isKind(kind: string): kind is TransactionKind {
  return (TRANSACTION_KINDS as readonly string[]).includes(kind);
}

/** The row's menu: edit or delete. */
function RowActions({ tx, onEdit, onDelete }: { tx: Transaction; onEdit: () => void; onDelete: () => void }) {
  const t = useTranslations("portfolio");
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="icon-sm" aria-label={t("actionsFor", { id: tx.id })}>
          <MoreHorizontalIcon />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        <DropdownMenuItem onSelect={onEdit}>
          <PencilIcon /> {t("edit")}
        </DropdownMenuItem>
        <DropdownMenuItem className="text-destructive focus:text-destructive" onSelect={onDelete}>
          <Trash2Icon className="text-destructive!" /> {t("delete")}
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

/** Phones (below 640 px): one card per transaction instead of the wide table. */
function TransactionCards({ rows, onEdit, onDelete }: { rows: Transaction[]; onEdit: (tx: Transaction) => void; onDelete: (tx: Transaction) => void }) {
  const { formatNumber, formatPrice, formatQuantity, formatDate } = useFormat();
  const t = useTranslations("portfolio");
  return (
    <ul className="divide-y sm:hidden" data-testid="transactions-cards">
      {rows.map((tx) => {
        const effect = total(tx);
        const fee = toNumber(tx.fee) ?? 0;
        const tax = toNumber(tx.tax);
        return (
          <li key={tx.id} className="flex gap-3 px-4 py-3" data-testid={`tx-card-${tx.id}`}>
            <div className="min-w-0 flex-1 space-y-1">
              <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
                <Badge variant={KIND_TONE[tx.kind] ?? "outline"}>{isKind(tx.kind) ? t(`kinds.${tx.kind}`) : tx.kind}</Badge>
                {tx.symbol && (
                  <Link className="font-semibold hover:text-primary" href={`/instruments/${tx.symbol}`}>
                    {tx.symbol}
                  </Link>
                )}
                <span className="tabular text-xs text-muted-foreground">{formatDate(tx.trade_date)}</span>
              </div>
              <div className="tabular text-sm">
                {SHARE_KINDS.has(tx.kind) && tx.price != null
                  ? t("card.quantityAtPrice", { quantity: formatQuantity(tx.quantity), price: formatPrice(tx.price) })
                  : SHARE_KINDS.has(tx.kind)
                    ? formatQuantity(tx.quantity)
                    : formatPrice(tx.amount)}
              </div>
              {(fee > 0 || (tax ?? 0) > 0) && (
                <div className="tabular text-xs text-muted-foreground">
                  {tax ? t("card.feeTax", { fee: formatPrice(fee), tax: formatPrice(tax) }) : t("card.fee", { fee: formatPrice(fee) })}
                </div>
              )}
            </div>
            <div className="flex shrink-0 flex-col items-end gap-1 text-right">
              <span className={cn("tabular text-sm font-medium", effect !== null && effect < 0 ? "text-down" : effect ? "text-up" : "")}>
                {effect === null ? "—" : formatNumber(effect, { signed: true })}
              </span>
              {tx.realized && (
                <span className="text-xs" data-testid={`tx-card-realized-${tx.id}`}>
                  <RealizedCell realized={tx.realized} />
                </span>
              )}
            </div>
            <div className="-mr-2 shrink-0">
              <RowActions tx={tx} onEdit={() => onEdit(tx)} onDelete={() => onDelete(tx)} />
            </div>
          </li>
        );
      })}
    </ul>
  );
}

export function TransactionsView() {
  const { formatNumber, formatPrice, formatQuantity, formatDate } = useFormat();
  const t = useTranslations("portfolio");
  const c = useTranslations("common.col");
  const errorMessage = useErrorMessage();
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
        <PageHeader title={t("title")} />
        <Card>
          <EmptyState title={t("none.title")} description={t("none.text")} action={<CreatePortfolioDialog />} />
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
        description={selected.description || t("description")}
        actions={
          <>
            <PortfolioSwitcher portfolios={portfolios} selected={selected} onSelect={select} />
            <ImportDialog portfolioId={selected.id} />
            <DropdownMenu>
              <DropdownMenuTrigger asChild>
                <Button variant="outline" size="sm">
                  <DownloadIcon /> {t("export")}
                </Button>
              </DropdownMenuTrigger>
              <DropdownMenuContent align="end">
                {(["csv", "json"] as const).map((format) => (
                  <DropdownMenuItem
                    key={format}
                    onSelect={() =>
                      downloadExport(selected.id, format, `${slug}-transactions.${format}`).catch((e) => toast.error(t("exportFailed", { message: errorMessage(e) })))
                    }
                  >
                    {format.toUpperCase()}
                  </DropdownMenuItem>
                ))}
              </DropdownMenuContent>
            </DropdownMenu>
            <Button size="sm" onClick={() => setEditing({ key: Date.now(), tx: null })}>
              <PlusIcon /> {t("add")}
            </Button>
          </>
        }
      />

      <Card className="gap-0 py-0">
        <div className="flex flex-wrap items-end gap-2 border-b p-3 sm:p-4" role="search" aria-label={t("filter.label")}>
          <NativeSelect aria-label={t("filter.type")} className="w-40" value={filters.kind ?? ""} onChange={(e) => update({ kind: e.target.value || undefined })}>
            <option value="">{t("filter.allTypes")}</option>
            {TRANSACTION_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`kinds.${k}`)}
              </option>
            ))}
          </NativeSelect>
          <Input aria-label={t("filter.symbol")} placeholder={t("filter.symbol")} className="w-28 uppercase" value={filters.symbol ?? ""} onChange={(e) => update({ symbol: e.target.value.toUpperCase() || undefined })} />
          <div className="flex w-full items-center gap-1.5 sm:w-auto">
            <Input aria-label={t("filter.from")} type="date" className="min-w-0 flex-1 sm:w-40 sm:flex-none" value={filters.date_from ?? ""} onChange={(e) => update({ date_from: e.target.value || undefined })} />
            <span className="text-muted-foreground">–</span>
            <Input aria-label={t("filter.to")} type="date" className="min-w-0 flex-1 sm:w-40 sm:flex-none" value={filters.date_to ?? ""} onChange={(e) => update({ date_to: e.target.value || undefined })} />
          </div>
          {filtered && (
            <Button variant="ghost" size="sm" onClick={() => update({ kind: undefined, symbol: undefined, date_from: undefined, date_to: undefined })}>
              <XIcon /> {t("filter.clear")}
            </Button>
          )}
          <span className="ml-auto text-xs text-muted-foreground" aria-live="polite">
            {data ? t("count", { count }) : ""}
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
            title={filtered ? t("empty.filteredTitle") : t("empty.title")}
            description={filtered ? t("empty.filteredText") : t("empty.text")}
            action={
              !filtered && (
                <Button size="sm" onClick={() => setEditing({ key: Date.now(), tx: null })}>
                  <PlusIcon /> {t("add")}
                </Button>
              )
            }
          />
        ) : (
          <div className={cn(transactions.isPlaceholderData && "opacity-60")}>
            <TransactionCards rows={data.results} onEdit={(tx) => setEditing({ key: Date.now(), tx })} onDelete={setDeleting} />
            <Table data-testid="transactions-table" className="hidden sm:table">
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <SortHead label={t("col.date")} field="trade_date" ordering={filters.ordering ?? ""} onSort={(o) => update({ ordering: o })} className="pl-5" />
                  <SortHead label={t("col.type")} field="kind" ordering={filters.ordering ?? ""} onSort={(o) => update({ ordering: o })} />
                  <TableHead>{c("symbol")}</TableHead>
                  <TableHead className="text-right">{c("quantity")}</TableHead>
                  <TableHead className="text-right">{t("col.priceAmount")}</TableHead>
                  <TableHead className="text-right">{t("col.feeTax")}</TableHead>
                  <TableHead className="text-right">{t("col.cashEffect")}</TableHead>
                  <TableHead className="text-right">{t("col.realized")}</TableHead>
                  <TableHead className="w-12 pr-5">
                    <span className="sr-only">{c("actions")}</span>
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
                        <Badge variant={KIND_TONE[tx.kind] ?? "outline"}>{isKind(tx.kind) ? t(`kinds.${tx.kind}`) : tx.kind}</Badge>
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
                        <RowActions tx={tx} onEdit={() => setEditing({ key: Date.now(), tx })} onDelete={() => setDeleting(tx)} />
                      </TableCell>
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          </div>
        )}

        {data && count > 0 && (
          <div className="flex flex-wrap items-center justify-between gap-2 border-t px-4 py-3 text-sm" data-testid="transactions-pagination">
            <NativeSelect aria-label={t("rowsPerPage")} className="h-8 w-auto min-w-28" value={filters.page_size} onChange={(e) => update({ page_size: Number(e.target.value) })}>
              {[20, 50, 100].map((n) => (
                <option key={n} value={n}>
                  {t("perPage", { count: n })}
                </option>
              ))}
            </NativeSelect>
            <div className="flex items-center gap-2">
              <span className="whitespace-nowrap text-muted-foreground">{t("page", { page: filters.page, pages })}</span>
              <Button variant="outline" size="icon-sm" aria-label={t("previous")} disabled={filters.page <= 1} onClick={() => setFilters((f) => ({ ...f, page: f.page - 1 }))}>
                <ChevronLeftIcon />
              </Button>
              <Button variant="outline" size="icon-sm" aria-label={t("next")} disabled={!data.next} onClick={() => setFilters((f) => ({ ...f, page: f.page + 1 }))}>
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
            <AlertDialogTitle>{t("deleteDialog.title")}</AlertDialogTitle>
            <AlertDialogDescription>
              {deleting &&
                t("deleteDialog.what", {
                  kind: isKind(deleting.kind) ? t(`kinds.${deleting.kind}`) : deleting.kind,
                  symbol: deleting.symbol ? ` ${deleting.symbol}` : "",
                  date: formatDate(deleting.trade_date),
                })}{" "}
              {t("deleteDialog.text")}
            </AlertDialogDescription>
          </AlertDialogHeader>
          <AlertDialogFooter>
            <AlertDialogCancel>{t("deleteDialog.keep")}</AlertDialogCancel>
            <AlertDialogAction
              onClick={async () => {
                if (!deleting) return;
                try {
                  await remove.mutateAsync(deleting.id);
                  toast.success(t("deleted"));
                } catch (e) {
                  toast.error(errorMessage(e));
                }
              }}
            >
              {t("delete")}
            </AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
    </>
  );
}
