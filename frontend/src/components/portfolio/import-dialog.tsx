"use client";
import { useFormat } from "@/hooks/use-format";
import { CheckCircle2Icon, FileUpIcon, Loader2Icon, UploadIcon, XCircleIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useErrorMessage } from "@/hooks/use-error-message";
import { ApiError } from "@/lib/api/errors";
import { useImportTransactions } from "@/lib/api/queries";
import type { ImportResult, ImportRowError } from "@/lib/api/types";

export const CSV_COLUMNS = "date,kind,symbol,quantity,price,amount,fee,tax,note,external_id";

type Check = { ok: true; result: ImportResult } | { ok: false; message: string; errors: ImportRowError[] };

/** The bad rows of a rejected import (422 import_rejected: error.fields.errors). */
export function rejectedRows(error: unknown): ImportRowError[] | null {
  if (!(error instanceof ApiError) || !Array.isArray(error.raw.errors)) return null;
  return (error.raw.errors as ImportRowError[]).filter((e) => e && typeof e.message === "string");
}

function column(error: ImportRowError): string {
  const names = Object.keys(error.fields ?? {});
  return names.length ? names.join(", ") : "—";
}

/** CSV import in two steps: a dry run lists every bad row, then the real (all-or-nothing) import. */
export function ImportDialog({ portfolioId }: { portfolioId: number }) {
  const { formatNumber } = useFormat();
  const t = useTranslations("portfolio.import");
  const c = useTranslations("common");
  const errorMessage = useErrorMessage();
  const [open, setOpen] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [check, setCheck] = useState<Check | null>(null);
  const mutation = useImportTransactions(portfolioId);

  const reset = () => {
    setFile(null);
    setCheck(null);
    mutation.reset();
  };

  async function dryRun(selected: File) {
    setFile(selected);
    setCheck(null);
    try {
      setCheck({ ok: true, result: await mutation.mutateAsync({ file: selected, dryRun: true }) });
    } catch (error) {
      const rows = rejectedRows(error);
      setCheck({ ok: false, message: errorMessage(error), errors: rows ?? [] });
    }
  }

  async function commit() {
    if (!file) return;
    try {
      const result = await mutation.mutateAsync({ file, dryRun: false });
      toast.success(
        result.skipped
          ? t("doneSkipped", { count: formatNumber(result.created), skipped: formatNumber(result.skipped) })
          : t("done", { count: formatNumber(result.created) }),
      );
      setOpen(false);
      reset();
    } catch (error) {
      setCheck({ ok: false, message: errorMessage(error), errors: rejectedRows(error) ?? [] });
    }
  }

  const result = check?.ok ? check.result : null;
  const errors = check && !check.ok ? check.errors : [];

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) reset();
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline" size="sm">
          <UploadIcon /> {t("open")}
        </Button>
      </DialogTrigger>
      <DialogContent className="max-w-2xl">
        <DialogHeader>
          <DialogTitle>{t("title")}</DialogTitle>
          <DialogDescription>
            {t("textBefore")} <code className="rounded bg-muted px-1 py-0.5 text-[11px] break-all">{CSV_COLUMNS}</code> {t("textAfter")}
          </DialogDescription>
        </DialogHeader>
        <label
          htmlFor="import-file"
          className="flex cursor-pointer flex-col items-center gap-2 rounded-lg border-2 border-dashed px-4 py-6 text-center transition-colors hover:border-primary/60 hover:bg-accent/40"
        >
          <FileUpIcon className="size-6 text-muted-foreground" />
          <span className="text-sm font-medium">{file ? file.name : t("choose")}</span>
          <span className="text-xs text-muted-foreground">{file ? t("chosen", { size: formatNumber(file.size) }) : t("exports")}</span>
          <input
            id="import-file"
            type="file"
            accept=".csv,.json,text/csv,application/json"
            className="sr-only"
            data-testid="import-file"
            onChange={(e) => {
              const chosen = e.target.files?.[0];
              if (chosen) void dryRun(chosen);
              e.target.value = "";
            }}
          />
        </label>

        {mutation.isPending && (
          <p className="flex items-center gap-2 text-sm text-muted-foreground">
            <Loader2Icon className="size-4 animate-spin" /> {check ? t("importing") : t("checking")}
          </p>
        )}

        {result && (
          <div className="flex flex-wrap gap-2 text-sm" data-testid="import-preview">
            <span className="inline-flex items-center gap-1.5 rounded-md bg-up/10 px-2 py-1 text-up">
              <CheckCircle2Icon className="size-4" /> {t("valid", { count: formatNumber(result.rows) })}
            </span>
            <span className="inline-flex items-center rounded-md bg-muted px-2 py-1 text-muted-foreground">
              {t("counts", { created: formatNumber(result.created), skipped: formatNumber(result.skipped) })}
            </span>
            {result.ignored_columns.length > 0 && (
              <span className="inline-flex items-center rounded-md bg-muted px-2 py-1 text-muted-foreground">{t("ignored", { columns: result.ignored_columns.join(", ") })}</span>
            )}
          </div>
        )}

        {check && !check.ok && (
          <div className="grid gap-3" data-testid="import-preview">
            <p role="alert" className="flex items-center gap-1.5 text-sm font-medium text-destructive">
              <XCircleIcon className="size-4 shrink-0" /> {check.message}
            </p>
            {errors.length > 0 && (
              <div className="max-h-64 overflow-y-auto rounded-lg border">
                <Table data-testid="import-errors">
                  <TableHeader>
                    <TableRow>
                      <TableHead className="w-16">{t("row")}</TableHead>
                      <TableHead className="w-28">{t("column")}</TableHead>
                      <TableHead>{t("problem")}</TableHead>
                    </TableRow>
                  </TableHeader>
                  <TableBody>
                    {errors.map((e, i) => (
                      <TableRow key={`${e.row}-${e.code}-${i}`} data-testid="import-error-row">
                        <TableCell className="tabular font-medium">{e.row ?? "—"}</TableCell>
                        <TableCell className="text-muted-foreground">{column(e)}</TableCell>
                        <TableCell className="whitespace-normal text-destructive">{e.message}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </div>
            )}
          </div>
        )}

        <DialogFooter>
          <Button variant="outline" onClick={() => setOpen(false)}>
            {c("cancel")}
          </Button>
          <Button onClick={() => void commit()} disabled={!result || result.created === 0 || mutation.isPending} data-testid="import-commit">
            {result ? t("submit", { count: formatNumber(result.created) }) : errors.length ? t("fixFirst") : t("submitIdle")}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
