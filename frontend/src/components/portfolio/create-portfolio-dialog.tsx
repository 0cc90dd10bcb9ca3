"use client";
import { Loader2Icon, PlusIcon } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { Field } from "@/components/common/field";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Input, NativeSelect } from "@/components/ui/input";
import { Switch } from "@/components/ui/switch";
import { Label } from "@/components/ui/label";
import { ApiError, errorMessage } from "@/lib/api/errors";
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
      toast.success(`Portfolio “${portfolio.name}” created`);
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
            <PlusIcon /> New portfolio
          </Button>
        )}
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>New portfolio</DialogTitle>
          <DialogDescription>Brokerage fees and taxes follow the Vietnamese defaults unless you change them.</DialogDescription>
        </DialogHeader>
        <form className="grid gap-4" onSubmit={onSubmit} aria-label="New portfolio">
          <Field label="Name" htmlFor="pf-name" error={fieldError("name")}>
            <Input id="pf-name" name="name" required maxLength={100} placeholder="e.g. Long-term VN30" aria-invalid={Boolean(fieldError("name"))} autoFocus />
          </Field>
          <Field label="Description" htmlFor="pf-description" error={fieldError("description")}>
            <Input id="pf-description" name="description" maxLength={500} placeholder="Optional" />
          </Field>
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label="Brokerage fee (%)" htmlFor="pf-fee" error={fieldError("fee_rate")} hint="Typically 0,15–0,40%">
              <Input id="pf-fee" name="fee_rate" inputMode="decimal" placeholder="0.15" pattern="[0-9]+([.,][0-9]+)?" title="A percentage such as 0.15" />
            </Field>
            <Field label="Cost method" htmlFor="pf-method" error={fieldError("cost_method")}>
              <NativeSelect id="pf-method" name="cost_method" defaultValue="average">
                <option value="average">Average cost (brokers&apos; convention)</option>
                <option value="fifo">FIFO</option>
              </NativeSelect>
            </Field>
          </div>
          <div className="flex items-center justify-between rounded-lg border px-3 py-2.5">
            <Label htmlFor="pf-cash" className="flex-col items-start gap-1">
              Track cash
              <span className="text-xs font-normal text-muted-foreground">Deposits, withdrawals and dividends move a cash balance.</span>
            </Label>
            <Switch id="pf-cash" checked={trackCash} onCheckedChange={setTrackCash} />
          </div>
          {create.error && !(error && Object.keys(error.fields).length) && (
            <p role="alert" className="text-sm text-destructive">{errorMessage(create.error)}</p>
          )}
          <DialogFooter>
            <Button type="submit" disabled={create.isPending}>
              {create.isPending && <Loader2Icon className="animate-spin" />}
              Create portfolio
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
