"use client";
import { Loader2Icon, PlusIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { toast } from "sonner";
import { Field } from "@/components/common/field";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Input, NativeSelect } from "@/components/ui/input";
import { Switch } from "@/components/ui/switch";
import { Label } from "@/components/ui/label";
import { useErrorMessage } from "@/hooks/use-error-message";
import { ApiError } from "@/lib/api/errors";
import { useCreatePortfolio } from "@/lib/api/queries";
import { useSelectionStore } from "@/stores/selection";

/** Rates are entered as percentages (0,15%) and sent as fractions ("0.0015"). */
function percentToFraction(value: FormDataEntryValue | null): string | undefined {
  const text = String(value ?? "").replace(",", ".").trim();
  if (!text) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) return text;
  return (n / 100).toFixed(6).replace(/0+$/, "").replace(/\.$/, "");
}

export function CreatePortfolioDialog({ trigger, defaultOpen = false }: { trigger?: React.ReactNode; defaultOpen?: boolean }) {
  const [open, setOpen] = useState(defaultOpen);
  const [trackCash, setTrackCash] = useState(true);
  const t = useTranslations("portfolio.create");
  const errorMessage = useErrorMessage();
  const create = useCreatePortfolio();
  const select = useSelectionStore((s) => s.setPortfolioId);
  const error = create.error instanceof ApiError ? create.error : null;
  const fieldError = (name: string) => error?.field(name);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    try {
      const portfolio = await create.mutateAsync({
        name: String(data.get("name") ?? "").trim(),
        description: String(data.get("description") ?? "").trim(),
        fee_rate: percentToFraction(data.get("fee_rate")),
        cost_method: String(data.get("cost_method")) === "fifo" ? "fifo" : "average",
        track_cash: trackCash,
      });
      select(portfolio.id);
      toast.success(t("created", { name: portfolio.name }));
      setOpen(false);
      create.reset();
    } catch {
      // shown in the form
    }
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) create.reset();
      }}
    >
      <DialogTrigger asChild>
        {trigger ?? (
          <Button variant="outline" size="sm">
            <PlusIcon /> {t("open")}
          </Button>
        )}
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{t("title")}</DialogTitle>
          <DialogDescription>{t("text")}</DialogDescription>
        </DialogHeader>
        <form className="grid gap-4" onSubmit={onSubmit} aria-label={t("title")}>
          <Field label={t("name")} htmlFor="pf-name" error={fieldError("name")}>
            <Input id="pf-name" name="name" required maxLength={100} placeholder={t("namePlaceholder")} aria-invalid={Boolean(fieldError("name"))} autoFocus />
          </Field>
          <Field label={t("description")} htmlFor="pf-description" error={fieldError("description")}>
            <Input id="pf-description" name="description" maxLength={500} placeholder={t("optional")} />
          </Field>
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label={t("fee")} htmlFor="pf-fee" error={fieldError("fee_rate")} hint={t("feeHint")}>
              <Input id="pf-fee" name="fee_rate" inputMode="decimal" placeholder="0.15" pattern="[0-9]+([.,][0-9]+)?" title={t("feeRule")} />
            </Field>
            <Field label={t("method")} htmlFor="pf-method" error={fieldError("cost_method")}>
              <NativeSelect id="pf-method" name="cost_method" defaultValue="average">
                <option value="average">{t("average")}</option>
                <option value="fifo">{t("fifo")}</option>
              </NativeSelect>
            </Field>
          </div>
          <div className="flex items-center justify-between rounded-lg border px-3 py-2.5">
            <Label htmlFor="pf-cash" className="flex-col items-start gap-1">
              {t("cash")}
              <span className="text-xs font-normal text-muted-foreground">{t("cashText")}</span>
            </Label>
            <Switch id="pf-cash" checked={trackCash} onCheckedChange={setTrackCash} />
          </div>
          {create.error && !(error && Object.keys(error.fields).length) && (
            <p role="alert" className="text-sm text-destructive">{errorMessage(create.error)}</p>
          )}
          <DialogFooter>
            <Button type="submit" disabled={create.isPending}>
              {create.isPending && <Loader2Icon className="animate-spin" />}
              {t("submit")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
