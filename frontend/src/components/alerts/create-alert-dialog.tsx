"use client";
import { useFormat } from "@/hooks/use-format";
import { BellPlusIcon, Loader2Icon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { toast } from "sonner";
import { Field } from "@/components/common/field";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Input, NativeSelect } from "@/components/ui/input";
import { useErrorMessage } from "@/hooks/use-error-message";
import { ApiError } from "@/lib/api/errors";
import { useSaveAlert } from "@/lib/api/queries";
import { ALERT_CONDITIONS, type AlertCondition } from "@/lib/api/types";

export function CreateAlertDialog({ symbol, lastPrice, trigger }: { symbol?: string; lastPrice?: string | null; trigger?: React.ReactNode }) {
  const { formatVnd } = useFormat();
  const t = useTranslations("alerts");
  const errorMessage = useErrorMessage();
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
      toast.success(t("created", { symbol: target }));
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
            <BellPlusIcon /> {t("create")}
          </Button>
        )}
      </DialogTrigger>
      <DialogContent className="max-w-md">
        <DialogHeader>
          <DialogTitle>{t("dialog.title")}</DialogTitle>
          <DialogDescription>{lastPrice ? t("dialog.textWithPrice", { price: formatVnd(lastPrice) }) : t("dialog.text")}</DialogDescription>
        </DialogHeader>
        <form className="grid gap-4" onSubmit={onSubmit} aria-label={t("dialog.form")}>
          <Field label={t("dialog.symbol")} htmlFor="alert-symbol" error={fieldError("symbol")}>
            <Input id="alert-symbol" name="symbol" required pattern="[A-Za-z0-9]{1,12}" className="uppercase" defaultValue={symbol ?? ""} readOnly={Boolean(symbol)} aria-invalid={Boolean(fieldError("symbol"))} />
          </Field>
          <Field label={t("dialog.condition")} htmlFor="alert-condition" error={fieldError("condition")}>
            <NativeSelect id="alert-condition" name="condition" value={condition} onChange={(e) => setCondition(e.target.value as AlertCondition)}>
              {ALERT_CONDITIONS.map((c) => (
                <option key={c} value={c}>
                  {t(`conditions.${c}`)}
                </option>
              ))}
            </NativeSelect>
          </Field>
          <Field label={pct ? t("dialog.thresholdPct") : t("dialog.thresholdPrice")} htmlFor="alert-threshold" error={fieldError("threshold")} hint={pct ? t("dialog.pctHint") : undefined}>
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
              {t("create")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
