"use client";
import { Loader2Icon } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { Field } from "@/components/common/field";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input, NativeSelect } from "@/components/ui/input";
import { ApiError, errorMessage } from "@/lib/api/errors";
import { useMarketSummary, useSaveTransaction } from "@/lib/api/queries";
import { TRANSACTION_KINDS, type Transaction, type TransactionInput, type TransactionKind } from "@/lib/api/types";
import { todayInVietnam } from "@/lib/format";

export const KIND_LABELS: Record<TransactionKind, string> = {
  BUY: "Buy",
  SELL: "Sell",
  DEPOSIT: "Deposit",
  WITHDRAWAL: "Withdrawal",
  DIVIDEND: "Cash dividend",
  STOCK_DIVIDEND: "Stock dividend",
  FEE: "Fee",
  INTEREST: "Interest",
  RIGHTS_SUBSCRIPTION: "Rights subscription",
};

const LEDGER_FIELD: Record<string, (kind: TransactionKind) => string> = {
  oversell: () => "quantity",
  unsettled_shares: () => "quantity",
  insufficient_cash: (kind) => (kind === "BUY" ? "price" : "amount"),
  unknown_symbol: () => "symbol",
};

const uses = {
  symbol: (k: TransactionKind) => ["BUY", "SELL", "DIVIDEND", "STOCK_DIVIDEND", "RIGHTS_SUBSCRIPTION"].includes(k),
  quantity: (k: TransactionKind) => ["BUY", "SELL", "STOCK_DIVIDEND", "RIGHTS_SUBSCRIPTION"].includes(k),
  price: (k: TransactionKind) => ["BUY", "SELL", "RIGHTS_SUBSCRIPTION"].includes(k),
  amount: (k: TransactionKind) => ["DEPOSIT", "WITHDRAWAL", "DIVIDEND", "FEE", "INTEREST"].includes(k),
  fee: (k: TransactionKind) => ["BUY", "SELL"].includes(k),
  tax: (k: TransactionKind) => ["SELL", "DIVIDEND"].includes(k),
};

/**
 * The trade date. A new entry defaults to the exchanges' last trading day from the server's calendar:
 * today when the market trades, else the last day it did. On a weekend or holiday a BUY or SELL dated
 * today is refused, and a deposit dated today would come after the trades it pays for (the cash would
 * be missing on their date). The user may pick another day; the pick then stays. Lives inside the
 * form, so each opening starts over.
 */
export function TradeDateField({ initial, error }: { initial?: string; error?: string }) {
  const tradingDay = useMarketSummary().data?.last_trading_day;
  const [chosen, setChosen] = useState<string | undefined>(initial);
  const today = todayInVietnam();
  const suggested = tradingDay ?? today;
  const value = chosen ?? suggested;
  const hint = chosen === undefined && suggested !== today ? "The market is closed today: dated to the last trading day." : undefined;
  return (
    <Field label="Trade date" htmlFor="tx-date" error={error} hint={hint}>
      <Input id="tx-date" name="trade_date" type="date" required max={today} value={value} onChange={(e) => setChosen(e.target.value)} aria-invalid={Boolean(error)} />
    </Field>
  );
}

function text(data: FormData, name: string): string | undefined {
  const value = String(data.get(name) ?? "").trim();
  return value === "" ? undefined : value;
}

function whole(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "";
  const n = Number(value);
  return Number.isFinite(n) ? String(Math.round(n)) : String(value);
}

export function TransactionDialog({
  portfolioId,
  open,
  onOpenChange,
  transaction,
  defaultKind = "BUY",
  defaultSymbol,
}: {
  portfolioId: number;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  transaction?: Transaction | null;
  defaultKind?: TransactionKind;
  defaultSymbol?: string;
}) {
  const [kind, setKind] = useState<TransactionKind>(transaction?.kind ?? defaultKind);
  const save = useSaveTransaction(portfolioId);
  const error = save.error instanceof ApiError ? save.error : null;
  // Ledger refusals (422) carry context, not field messages: put them next to the input they concern.
  const ledgerField = error && LEDGER_FIELD[error.code]?.(kind);
  const fieldError = (name: string) => error?.field(name) ?? (ledgerField === name ? error?.message : undefined);
  const shownFields = ["kind", "symbol", "quantity", "price", "amount", "fee", "tax", "trade_date", "note"];
  const unplacedError =
    save.error && !ledgerField && !(error && Object.keys(error.fields).some((f) => shownFields.includes(f)))
      ? errorMessage(save.error)
      : error?.fields.non_field_errors?.[0] ?? null;

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const input: TransactionInput = { kind, trade_date: text(data, "trade_date") ?? todayInVietnam() };
    if (uses.symbol(kind)) input.symbol = text(data, "symbol")?.toUpperCase();
    if (uses.quantity(kind)) {
      const quantity = text(data, "quantity");
      input.quantity = quantity === undefined ? undefined : Number(quantity);
    }
    if (uses.price(kind)) input.price = text(data, "price");
    if (uses.amount(kind)) input.amount = text(data, "amount");
    if (uses.fee(kind) && text(data, "fee") !== undefined) input.fee = text(data, "fee");
    if (uses.tax(kind) && text(data, "tax") !== undefined) input.tax = text(data, "tax");
    const note = text(data, "note");
    if (note) input.note = note;
    try {
      await save.mutateAsync({ id: transaction?.id, input });
      toast.success(transaction ? "Transaction updated" : `${KIND_LABELS[kind]} recorded`);
      onOpenChange(false);
      save.reset();
    } catch {
      // errors are shown next to the fields
    }
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        onOpenChange(next);
        if (!next) save.reset();
      }}
    >
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{transaction ? "Edit transaction" : "Add transaction"}</DialogTitle>
          <DialogDescription>Prices and amounts in whole VND. Leave fee and tax empty to use the portfolio&apos;s rates.</DialogDescription>
        </DialogHeader>
        <form className="grid gap-4" onSubmit={onSubmit} aria-label="Transaction" key={transaction?.id ?? "new"}>
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label="Type" htmlFor="tx-kind" error={fieldError("kind")}>
              <NativeSelect id="tx-kind" name="kind" value={kind} onChange={(e) => setKind(e.target.value as TransactionKind)}>
                {TRANSACTION_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {KIND_LABELS[k]}
                  </option>
                ))}
              </NativeSelect>
            </Field>
            <TradeDateField initial={transaction?.trade_date} error={fieldError("trade_date")} />
          </div>
          {uses.symbol(kind) && (
            <Field label="Symbol" htmlFor="tx-symbol" error={fieldError("symbol")}>
              <Input
                id="tx-symbol"
                name="symbol"
                required
                pattern="[A-Za-z0-9]{1,12}"
                title="A ticker such as FPT"
                className="uppercase"
                autoCapitalize="characters"
                defaultValue={transaction?.symbol ?? defaultSymbol ?? ""}
                aria-invalid={Boolean(fieldError("symbol"))}
              />
            </Field>
          )}
          {(uses.quantity(kind) || uses.price(kind)) && (
            <div className="grid gap-4 sm:grid-cols-2">
              {uses.quantity(kind) && (
                <Field label="Quantity" htmlFor="tx-quantity" error={fieldError("quantity")}>
                  <Input id="tx-quantity" name="quantity" type="number" inputMode="numeric" required min={1} step={1} defaultValue={whole(transaction?.quantity)} aria-invalid={Boolean(fieldError("quantity"))} />
                </Field>
              )}
              {uses.price(kind) && (
                <Field label="Price (₫)" htmlFor="tx-price" error={fieldError("price")}>
                  <Input id="tx-price" name="price" type="number" inputMode="numeric" required min={1} step={1} defaultValue={whole(transaction?.price)} aria-invalid={Boolean(fieldError("price"))} />
                </Field>
              )}
            </div>
          )}
          {uses.amount(kind) && (
            <Field label="Amount (₫)" htmlFor="tx-amount" error={fieldError("amount")}>
              <Input id="tx-amount" name="amount" type="number" inputMode="numeric" required min={1} step={1} defaultValue={whole(transaction?.amount)} aria-invalid={Boolean(fieldError("amount"))} />
            </Field>
          )}
          {(uses.fee(kind) || uses.tax(kind)) && (
            <div className="grid gap-4 sm:grid-cols-2">
              {uses.fee(kind) && (
                <Field label="Fee (₫)" htmlFor="tx-fee" error={fieldError("fee")}>
                  <Input id="tx-fee" name="fee" type="number" inputMode="numeric" min={0} step={1} placeholder="Auto" defaultValue={transaction && !transaction.fee_is_derived ? whole(transaction.fee) : ""} />
                </Field>
              )}
              {uses.tax(kind) && (
                <Field label="Tax (₫)" htmlFor="tx-tax" error={fieldError("tax")}>
                  <Input id="tx-tax" name="tax" type="number" inputMode="numeric" min={0} step={1} placeholder="Auto" defaultValue={transaction && !transaction.tax_is_derived ? whole(transaction.tax) : ""} />
                </Field>
              )}
            </div>
          )}
          <Field label="Note" htmlFor="tx-note" error={fieldError("note")}>
            <Input id="tx-note" name="note" maxLength={500} defaultValue={transaction?.note ?? ""} placeholder="Optional" />
          </Field>
          {unplacedError && (
            <p role="alert" className="rounded-md border border-destructive/30 bg-destructive/10 px-3 py-2 text-sm text-destructive" data-testid="transaction-error">
              {unplacedError}
            </p>
          )}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={save.isPending}>
              {save.isPending && <Loader2Icon className="animate-spin" />}
              {transaction ? "Save changes" : "Add transaction"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
