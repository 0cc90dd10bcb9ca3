"use client";
import { Loader2Icon } from "lucide-react";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useLocale, useTranslations } from "next-intl";
import { toast } from "sonner";
import { Field } from "@/components/common/field";
import { SymbolCombobox } from "@/components/trade/symbol-combobox";
import { TradePreview } from "@/components/trade/trade-preview";
import { useTransactionPreview } from "@/components/trade/use-preview";
import { WholeNumberInput } from "@/components/trade/whole-number-input";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input, NativeSelect } from "@/components/ui/input";
import { ApiError } from "@/lib/api/errors";
import { useMarketSummary, useQuotesQuery, useSaveTransaction } from "@/lib/api/queries";
import { TRANSACTION_KINDS, type Transaction, type TransactionKind } from "@/lib/api/types";
import { todayInVietnam } from "@/lib/format";
import { buildInput, placeError, prefilledPrice, previewProblems, uses, type TradeField, type TradeValues } from "@/lib/trade/form";
import { asTradeT, type TradeT } from "@/lib/trade/messages";
import { thousandsSeparator, wholeText as wholeInLocale } from "@/lib/trade/numbers";

/** The trade namespace's translator, as the form's logic takes it. */
function useTradeT(): TradeT {
  const t = useTranslations("trade");
  return useMemo(() => asTradeT(t), [t]);
}

/**
 * The trade date. A new entry defaults to the exchanges' last trading day from the server's calendar:
 * today when the market trades, else the last day it did. On a weekend or holiday a BUY or SELL dated
 * today is refused, and a deposit dated today would come after the trades it pays for (the cash would
 * be missing on their date). The user may pick another day; the pick then stays. Lives inside the
 * form, so each opening starts over. ``onValue`` hears the date shown.
 */
export function TradeDateField({ initial, error, onValue }: { initial?: string; error?: string; onValue?: (value: string) => void }) {
  const t = useTradeT();
  const tradingDay = useMarketSummary().data?.last_trading_day;
  const [chosen, setChosen] = useState<string | undefined>(initial);
  const today = todayInVietnam();
  const suggested = tradingDay ?? today;
  const value = chosen ?? suggested;
  const hint = chosen === undefined && suggested !== today ? t("hints.marketClosed") : undefined;
  useEffect(() => onValue?.(value), [value, onValue]);
  return (
    <Field label={t("fields.tradeDate")} htmlFor="tx-date" error={error} hint={hint}>
      <Input id="tx-date" name="trade_date" type="date" required max={today} value={value} onChange={(e) => setChosen(e.target.value)} aria-invalid={Boolean(error)} />
    </Field>
  );
}

function initialValues(transaction: Transaction | null | undefined, kind: TransactionKind, symbol: string | undefined, separator: string): TradeValues {
  const wholeText = (value: string | number | null | undefined) => wholeInLocale(value, separator);
  return {
    kind: transaction?.kind ?? kind,
    symbol: transaction?.symbol ?? symbol ?? "",
    quantity: wholeText(transaction?.quantity),
    price: wholeText(transaction?.price),
    amount: wholeText(transaction?.amount),
    fee: transaction && !transaction.fee_is_derived ? wholeText(transaction.fee) : "",
    tax: transaction && !transaction.tax_is_derived ? wholeText(transaction.tax) : "",
    trade_date: transaction?.trade_date ?? "",
    note: transaction?.note ?? "",
  };
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
  const t = useTradeT();
  const separator = thousandsSeparator(useLocale());
  const wholeText = (value: string | number | null | undefined) => wholeInLocale(value, separator);
  const [values, setValues] = useState<TradeValues>(() => initialValues(transaction, defaultKind, defaultSymbol, separator));
  const [priceTouched, setPriceTouched] = useState(Boolean(transaction));
  // The symbol the instruments API knows: a half-typed one ("QUA" on the way to "quan doi") asks for no quote.
  const [known, setKnown] = useState<string | null>(transaction?.symbol ?? defaultSymbol ?? null);
  const [submitted, setSubmitted] = useState(false);
  const save = useSaveTransaction(portfolioId);
  const { reset } = save;
  const set = (field: TradeField) => (text: string) => {
    reset(); // a refusal is about the values it was given
    setValues((v) => ({ ...v, [field]: text }));
  };
  const setDate = useCallback((date: string) => setValues((v) => (v.trade_date === date ? v : { ...v, trade_date: date })), []);
  const { kind } = values;
  // The live price for a trade dated today, until the user types one.
  const today = todayInVietnam();
  const quotes = useQuotesQuery(uses.price(kind) && values.symbol && values.symbol === known ? [values.symbol] : []);
  const quote = quotes.data?.find((q) => q.symbol === values.symbol) ?? null;
  const live = prefilledPrice({ kind, tradeDate: values.trade_date, today, touched: priceTouched, quote, separator });
  const current: TradeValues = live !== null ? { ...values, price: live } : values;
  const built = buildInput(current);
  const preview = useTransactionPreview(portfolioId, built.input, transaction?.id);

  const saveError = save.error instanceof ApiError ? save.error : null;
  const placed = placeError(saveError ?? preview.error, kind, t, separator);
  const problems = previewProblems(preview.preview, t, separator);
  const fieldError = (name: TradeField): string | undefined => {
    const server = placed.fields[name];
    if (server) return server;
    const problem = built.problems[name];
    if (!problem || (problem === "required" && !submitted)) return undefined;
    return t(problem === "invalidSymbol" ? "input.invalidSymbol" : `input.${problem}`);
  };
  const unplaced = save.error && !saveError ? String((save.error as Error).message) : placed.unplaced;

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitted(true);
    if (!built.input) return;
    try {
      await save.mutateAsync({ id: transaction?.id, input: built.input });
      toast.success(transaction ? t("toast.updated") : t("toast.recorded", { kind: t(`kinds.${kind}`) }));
      onOpenChange(false);
      save.reset();
    } catch {
      // errors are shown next to the fields
    }
  }

  const number = (field: "quantity" | "price" | "amount" | "fee" | "tax", props: { required?: boolean; placeholder?: string } = {}) => (
    <Field label={t(`fields.${field}`)} htmlFor={`tx-${field}`} error={fieldError(field)} hint={field === "price" && live !== null && quote ? t("hints.pricePrefilled", { price: wholeText(quote.price), floor: wholeText(quote.floor_price), ceiling: wholeText(quote.ceiling_price) }) : undefined}>
      <WholeNumberInput
        id={`tx-${field}`}
        name={field}
        value={current[field]}
        separator={separator}
        onValueChange={(text) => {
          if (field === "price") setPriceTouched(true);
          set(field)(text);
        }}
        aria-invalid={Boolean(fieldError(field))}
        {...props}
      />
    </Field>
  );

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        onOpenChange(next);
        if (!next) save.reset();
      }}
    >
      <DialogContent className="max-h-[95dvh] overflow-y-auto">
        <DialogHeader>
          <DialogTitle>{transaction ? t("title.edit") : t("title.add")}</DialogTitle>
          <DialogDescription>{t("description")}</DialogDescription>
        </DialogHeader>
        <form className="grid gap-4" onSubmit={onSubmit} aria-label={t("formLabel")} noValidate key={transaction?.id ?? "new"}>
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label={t("fields.kind")} htmlFor="tx-kind" error={fieldError("kind")}>
              <NativeSelect id="tx-kind" name="kind" value={kind} onChange={(e) => set("kind")(e.target.value)}>
                {TRANSACTION_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {t(`kinds.${k}`)}
                  </option>
                ))}
              </NativeSelect>
            </Field>
            <TradeDateField initial={transaction?.trade_date} error={fieldError("trade_date")} onValue={setDate} />
          </div>
          {uses.symbol(kind) && (
            <Field label={t("fields.symbol")} htmlFor="tx-symbol" error={fieldError("symbol")}>
              <SymbolCombobox id="tx-symbol" value={values.symbol} onChange={set("symbol")} onKnown={setKnown} invalid={Boolean(fieldError("symbol"))} t={t} />
            </Field>
          )}
          {(uses.quantity(kind) || uses.price(kind)) && (
            <div className="grid gap-4 sm:grid-cols-2">
              {uses.quantity(kind) && number("quantity", { required: true })}
              {uses.price(kind) && number("price", { required: true })}
            </div>
          )}
          {uses.amount(kind) && number("amount", { required: true })}
          {(uses.fee(kind) || uses.tax(kind)) && (
            <div className="grid gap-4 sm:grid-cols-2">
              {uses.fee(kind) && number("fee", { placeholder: t("placeholders.auto") })}
              {uses.tax(kind) && number("tax", { placeholder: t("placeholders.auto") })}
            </div>
          )}
          <Field label={t("fields.note")} htmlFor="tx-note" error={fieldError("note")}>
            <Input id="tx-note" name="note" maxLength={500} value={values.note} onChange={(e) => set("note")(e.target.value)} placeholder={t("placeholders.optional")} />
          </Field>
          <TradePreview preview={built.input ? preview.preview : null} problems={problems} pending={preview.pending} t={t} />
          {unplaced && (
            <p role="alert" className="rounded-md border border-destructive/30 bg-destructive/10 px-3 py-2 text-sm text-destructive" data-testid="transaction-error">
              {unplaced}
            </p>
          )}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
              {t("actions.cancel")}
            </Button>
            <Button type="submit" disabled={save.isPending}>
              {save.isPending && <Loader2Icon className="animate-spin" />}
              {transaction ? t("actions.save") : t("actions.add")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
