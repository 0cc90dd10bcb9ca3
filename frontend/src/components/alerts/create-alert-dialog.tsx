"use client";
import { BellPlusIcon, Loader2Icon } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { Field } from "@/components/common/field";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Input, NativeSelect } from "@/components/ui/input";
import { ApiError, errorMessage } from "@/lib/api/errors";
import { useSaveAlert } from "@/lib/api/queries";
import { ALERT_CONDITIONS, type AlertCondition } from "@/lib/api/types";
import { CONDITION_LABELS } from "@/lib/alerts";
import { formatPrice } from "@/lib/format";

export function CreateAlertDialog({ symbol, lastPrice, trigger }: { symbol?: string; lastPrice?: string | null; trigger?: React.ReactNode }) {
  const [open, setOpen] = useState(false);
  const [condition, setCondition] = useState<AlertCondition>("above");
  const save = useSaveAlert();
  const error = save.error instanceof ApiError ? save.error : null;
  const fieldError = (name: string) => error?.field(name);
  const pct = condition.startsWith("change_pct");

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const target = String(data.get("symbol") ?? symbol ?? "").trim().toUpperCase();
    try {
      await save.mutateAsync({ input: { symbol: target, condition, threshold: String(data.get("threshold") ?? "").trim() } });
      toast.success(`Alert set for ${target}`);
      setOpen(false);
      save.reset();
    } catch {
      // shown in the form
    }
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) save.reset();
      }}
    >
      <DialogTrigger asChild>
        {trigger ?? (
          <Button variant="outline" size="sm">
            <BellPlusIcon /> Create alert
          </Button>
        )}
      </DialogTrigger>
      <DialogContent className="max-w-md">
        <DialogHeader>
          <DialogTitle>New price alert</DialogTitle>
          <DialogDescription>You get a notification the first time the condition is met{lastPrice ? ` (last price ${formatPrice(lastPrice)} ₫)` : ""}.</DialogDescription>
        </DialogHeader>
        <form className="grid gap-4" onSubmit={onSubmit} aria-label="New alert">
          <Field label="Symbol" htmlFor="alert-symbol" error={fieldError("symbol")}>
            <Input id="alert-symbol" name="symbol" required pattern="[A-Za-z0-9]{1,12}" className="uppercase" defaultValue={symbol ?? ""} readOnly={Boolean(symbol)} aria-invalid={Boolean(fieldError("symbol"))} />
          </Field>
          <Field label="Condition" htmlFor="alert-condition" error={fieldError("condition")}>
            <NativeSelect id="alert-condition" name="condition" value={condition} onChange={(e) => setCondition(e.target.value as AlertCondition)}>
              {ALERT_CONDITIONS.map((c) => (
                <option key={c} value={c}>
                  {CONDITION_LABELS[c]}
                </option>
              ))}
            </NativeSelect>
          </Field>
          <Field label={pct ? "Threshold (%)" : "Price (₫)"} htmlFor="alert-threshold" error={fieldError("threshold")} hint={pct ? "e.g. 3 for +3%, -2 for -2%" : undefined}>
            <Input
              id="alert-threshold"
              name="threshold"
              type="number"
              inputMode="decimal"
              required
              step={pct ? "0.01" : "1"}
              min={pct ? undefined : 1}
              defaultValue={!pct && lastPrice ? String(Math.round(Number(lastPrice))) : ""}
              key={condition}
              aria-invalid={Boolean(fieldError("threshold"))}
            />
          </Field>
          {save.error && !(error && Object.keys(error.fields).length) && (
            <p role="alert" className="text-sm text-destructive">{errorMessage(save.error)}</p>
          )}
          <DialogFooter>
            <Button type="submit" disabled={save.isPending}>
              {save.isPending && <Loader2Icon className="animate-spin" />}
              Create alert
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
