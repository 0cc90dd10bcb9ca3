"use client";
import { CheckCircle2Icon, FileUpIcon, Loader2Icon, UploadIcon, XCircleIcon } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { ApiError, errorMessage } from "@/lib/api/errors";
import { useImportTransactions } from "@/lib/api/queries";
import type { ImportResult, ImportRowError } from "@/lib/api/types";
import { formatNumber } from "@/lib/format";

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
        `Imported ${formatNumber(result.created)} transactions${result.skipped ? ` (${formatNumber(result.skipped)} already there)` : ""}`,
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
          <UploadIcon /> Import CSV
        </Button>
      </DialogTrigger>
      <DialogContent className="max-w-2xl">
        <DialogHeader>
          <DialogTitle>Import transactions</DialogTitle>
          <DialogDescription>
            A CSV with a header row: <code className="rounded bg-muted px-1 py-0.5 text-[11px] break-all">{CSV_COLUMNS}</code> (date and kind required), or a JSON export. We check the whole file first; nothing is saved unless every row is good.
          </DialogDescription>
        </DialogHeader>
        <label
          htmlFor="import-file"
          className="flex cursor-pointer flex-col items-center gap-2 rounded-lg border-2 border-dashed px-4 py-6 text-center transition-colors hover:border-primary/60 hover:bg-accent/40"
        >
          <FileUpIcon className="size-6 text-muted-foreground" />
          <span className="text-sm font-medium">{file ? file.name : "Choose a CSV or JSON file"}</span>
          <span className="text-xs text-muted-foreground">{file ? `${formatNumber(file.size)} bytes · choose again to re-check` : "Exports from this app import as they are"}</span>
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
            <Loader2Icon className="size-4 animate-spin" /> {check ? "Importing…" : "Checking the file…"}
          </p>
        )}

        {result && (
          <div className="flex flex-wrap gap-2 text-sm" data-testid="import-preview">
            <span className="inline-flex items-center gap-1.5 rounded-md bg-up/10 px-2 py-1 text-up">
              <CheckCircle2Icon className="size-4" /> All {formatNumber(result.rows)} rows are valid
            </span>
            <span className="inline-flex items-center rounded-md bg-muted px-2 py-1 text-muted-foreground">
              {formatNumber(result.created)} new · {formatNumber(result.skipped)} already recorded
            </span>
            {result.ignored_columns.length > 0 && (
              <span className="inline-flex items-center rounded-md bg-muted px-2 py-1 text-muted-foreground">Ignored columns: {result.ignored_columns.join(", ")}</span>
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
                      <TableHead className="w-16">Row</TableHead>
                      <TableHead className="w-28">Column</TableHead>
                      <TableHead>Problem</TableHead>
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
            Cancel
          </Button>
          <Button onClick={() => void commit()} disabled={!result || result.created === 0 || mutation.isPending} data-testid="import-commit">
            {result ? `Import ${formatNumber(result.created)} transactions` : errors.length ? "Fix the rows above first" : "Import"}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
