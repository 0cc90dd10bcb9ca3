"use client";
import { AlertTriangleIcon, CheckCircle2Icon, Loader2Icon } from "lucide-react";
import type { TransactionKind, TransactionPreview } from "@/lib/api/types";
import { cn } from "@/lib/cn";
import { useFormat } from "@/hooks/use-format";
import type { ShownProblem } from "@/lib/trade/form";
import type { TradeT } from "@/lib/trade/messages";

function Row({ label, value, tone }: { label: string; value: string; tone?: "up" | "down" }) {
  return (
    <div className="flex items-baseline justify-between gap-3">
      <dt className="text-muted-foreground">{label}</dt>
      <dd className={cn("text-right font-medium tabular-nums", tone === "up" && "text-up", tone === "down" && "text-down")}>{value}</dd>
    </div>
  );
}

const signTone = (value: string | null | undefined) => (value === null || value === undefined ? undefined : Number(value) > 0 ? "up" : Number(value) < 0 ? "down" : undefined);

/** What the server says the write would store and do, or why it would be refused. */
export function TradePreview({ preview, problems, pending, t }: { preview: TransactionPreview | null; problems: ShownProblem[]; pending: boolean; t: TradeT }) {
  const { formatDate, formatNumber, formatVnd } = useFormat();
  const kind = preview?.kind as TransactionKind | undefined;
  const trade = kind === "BUY" || kind === "SELL";
  return (
    <section aria-label={t("preview.title")} aria-live="polite" aria-busy={pending} data-testid="trade-preview" className="rounded-lg border bg-muted/40 p-3 text-sm">
      <div className="mb-2 flex items-center justify-between">
        <h3 className="font-semibold">{t("preview.title")}</h3>
        {pending && (
          <span className="flex items-center gap-1 text-xs text-muted-foreground">
            <Loader2Icon className="size-3 animate-spin" /> {t("preview.loading")}
          </span>
        )}
      </div>
      {!preview ? (
        <p className="text-muted-foreground">{t("preview.incomplete")}</p>
      ) : (
        <>
          <dl className="grid gap-1">
            {preview.gross !== null && <Row label={t("preview.gross")} value={formatVnd(preview.gross)} />}
            {trade && <Row label={t("preview.fee")} value={formatVnd(preview.fee)} />}
            {(kind === "SELL" || kind === "DIVIDEND") && <Row label={kind === "SELL" ? t("preview.tax") : t("preview.dividendTax")} value={formatVnd(preview.tax)} />}
            <Row label={t("preview.netCash")} value={formatVnd(preview.net_cash_effect, { signed: true })} tone={signTone(preview.net_cash_effect)} />
            {preview.cash_after !== null && <Row label={t("preview.cashAfter")} value={formatVnd(preview.cash_after)} />}
            {preview.quantity_after !== null && preview.symbol && <Row label={t("preview.quantityAfter")} value={formatNumber(preview.quantity_after)} />}
            {preview.average_cost_after !== null && <Row label={t("preview.averageCost")} value={formatVnd(preview.average_cost_after)} />}
            {preview.realized !== null && <Row label={t("preview.realized")} value={formatVnd(preview.realized, { signed: true })} tone={signTone(preview.realized)} />}
            {trade && <Row label={t("preview.settles")} value={formatDate(preview.settle_date)} />}
          </dl>
          {preview.odd_lot && (
            <p className="mt-2 inline-flex rounded-md bg-amber-500/15 px-2 py-0.5 text-xs font-medium text-amber-700 dark:text-amber-400" data-testid="odd-lot">
              {t("preview.oddLot")}
            </p>
          )}
          {problems.length > 0 ? (
            <ul className="mt-2 grid gap-1" data-testid="preview-problems">
              {problems.map((problem) => (
                <li key={problem.code + problem.message} className="flex gap-2 text-destructive">
                  <AlertTriangleIcon className="mt-0.5 size-4 shrink-0" /> <span>{problem.message}</span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="mt-2 flex items-center gap-2 text-xs text-muted-foreground">
              <CheckCircle2Icon className="size-4 text-up" /> {t("preview.ok")}
            </p>
          )}
        </>
      )}
    </section>
  );
}
