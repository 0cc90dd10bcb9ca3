"use client";
import { CheckCircle2Icon, FileUpIcon, Loader2Icon, UploadIcon, XCircleIcon } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage } from "@/lib/api/errors";
import { useImportTransactions } from "@/lib/api/queries";
import type { ImportResult } from "@/lib/api/types";
import { formatNumber } from "@/lib/format";

export const CSV_COLUMNS = "trade_date,kind,symbol,quantity,price,amount,fee,tax,note";

/** CSV import in two steps: a dry run lists the bad rows, then the real import. */
export function ImportDialog({ portfolioId }: { portfolioId: number }) {
  const [open, setOpen] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<ImportResult | null>(null);
  const mutation = useImportTransactions(portfolioId);

  const reset = () => {
    setFile(null);
    setPreview(null);
    mutation.reset();
  };

  async function check(selected: File) {
    setFile(selected);
    setPreview(null);
    try {
      setPreview(await mutation.mutateAsync({ file: selected, dryRun: true }));
    } catch {
      // shown below
    }
  }

  async function commit() {
    if (!file) return;
    try {
      const result = await mutation.mutateAsync({ file, dryRun: false });
      toast.success(`Imported ${formatNumber(result.created ?? result.valid_rows ?? 0)} transactions`);
      setOpen(false);
      reset();
    } catch {
      // shown below
    }
  }

  const errors = preview?.errors ?? [];
  const validRows = preview?.valid_rows ?? (preview ? (preview.total_rows ?? 0) - new Set(errors.map((e) => e.row)).size : 0);

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
            A CSV with the columns <code className="rounded bg-muted px-1 py-0.5 text-[11px]">{CSV_COLUMNS}</code>. We check the file first and list any rows that would fail; nothing is saved until you confirm.
          </DialogDescription>
        </DialogHeader>
        <label
          htmlFor="import-file"
          className="flex cursor-pointer flex-col items-center gap-2 rounded-lg border-2 border-dashed px-4 py-6 text-center transition-colors hover:border-primary/60 hover:bg-accent/40"
        >
          <FileUpIcon className="size-6 text-muted-foreground" />
          <span className="text-sm font-medium">{file ? file.name : "Choose a CSV file"}</span>
          <span className="text-xs text-muted-foreground">{file ? `${formatNumber(file.size)} bytes` : "or drop it here"}</span>
          <input
            id="import-file"
            type="file"
            accept=".csv,text/csv"
            className="sr-only"
            data-testid="import-file"
            onChange={(e) => {
              const chosen = e.target.files?.[0];
              if (chosen) void check(chosen);
              e.target.value = "";
            }}
          />
        </label>

        {mutation.isPending && (
          <p className="flex items-center gap-2 text-sm text-muted-foreground">
            <Loader2Icon className="size-4 animate-spin" /> {preview ? "Importing…" : "Checking the file…"}
          </p>
        )}
        {mutation.error && (
          <p role="alert" className="rounded-md border border-destructive/30 bg-destructive/10 px-3 py-2 text-sm text-destructive">
            {errorMessage(mutation.error)}
          </p>
        )}

        {preview && (
          <div className="grid gap-3" data-testid="import-preview">
            <div className="flex flex-wrap gap-2 text-sm">
              <span className="inline-flex items-center gap-1.5 rounded-md bg-up/10 px-2 py-1 text-up">
                <CheckCircle2Icon className="size-4" /> {formatNumber(validRows)} valid
              </span>
              <span className={`inline-flex items-center gap-1.5 rounded-md px-2 py-1 ${errors.length ? "bg-destructive/10 text-destructive" : "bg-muted text-muted-foreground"}`}>
                <XCircleIcon className="size-4" /> {formatNumber(errors.length)} {errors.length === 1 ? "problem" : "problems"}
              </span>
            </div>
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
                      <TableRow key={`${e.row}-${e.field}-${i}`}>
                        <TableCell className="tabular font-medium">{e.row}</TableCell>
                        <TableCell className="text-muted-foreground">{e.field ?? "—"}</TableCell>
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
          <Button onClick={() => void commit()} disabled={!preview || errors.length > 0 || validRows === 0 || mutation.isPending} data-testid="import-commit">
            {errors.length > 0 ? "Fix the rows above first" : `Import ${formatNumber(validRows)} rows`}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
