"use client";
import { CalendarIcon, GiftIcon, Loader2Icon } from "lucide-react";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { toast } from "sonner";
import { EmptyState, ErrorState, PageHeader, TableSkeleton } from "@/components/common/states";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useErrorMessage } from "@/hooks/use-error-message";
import { useFormat } from "@/hooks/use-format";
import { useSelectedPortfolio } from "@/hooks/use-selected-portfolio";
import { useDividendCalendar, useEntitlementAction, useEntitlements } from "@/lib/api/queries";
import type { CalendarEvent, Entitlement, EntitlementStatus } from "@/lib/api/types";

const STATUS_TONE: Record<EntitlementStatus, "warning" | "up" | "secondary" | "outline"> = {
  pending: "warning",
  due: "up",
  applied: "secondary",
  lapsed: "outline",
};

type Kind = keyof ReturnType<typeof useKindLabels>;

function useKindLabels() {
  const t = useTranslations("events.kind");
  return {
    cash_dividend: t("cash_dividend"),
    stock_dividend: t("stock_dividend"),
    bonus_shares: t("bonus_shares"),
    rights_issue: t("rights_issue"),
    split: t("split"),
    reverse_split: t("reverse_split"),
  };
}

function KindLabel({ kind }: { kind: string }) {
  const labels = useKindLabels();
  return <>{labels[kind as Kind] ?? kind}</>;
}

/** What the entitlement brings: net cash, new shares or rights at their price. */
function Receives({ entitlement: e }: { entitlement: Entitlement }) {
  const { formatNumber, formatVnd } = useFormat();
  const t = useTranslations("events.entitlements");
  if (e.cash_net) return <>{t("cashNet", { amount: formatVnd(e.cash_net), tax: formatVnd(e.cash_tax) })}</>;
  if (e.kind === "rights_issue") {
    return (
      <>
        {t("rights", { count: formatNumber(e.rights), price: formatVnd(e.subscription_price) })}
        {e.exercised !== "0" && <span className="block text-xs text-muted-foreground">{t("exercised", { count: formatNumber(e.exercised) })}</span>}
      </>
    );
  }
  // A reverse split's new_shares is negative: the shares it takes away (the cost stays).
  if (e.new_shares.startsWith("-")) return <>{t("sharesTaken", { count: formatNumber(e.new_shares.slice(1)) })}</>;
  return <>{t("newShares", { count: formatNumber(e.new_shares) })}</>;
}

function EntitlementAction({ entitlement: e, portfolioId }: { entitlement: Entitlement; portfolioId: number }) {
  const { formatNumber } = useFormat();
  const errorMessage = useErrorMessage();
  const t = useTranslations("events.entitlements");
  const action = useEntitlementAction(portfolioId);
  const [quantity, setQuantity] = useState(e.rights);

  async function run(quantityToExercise?: number) {
    try {
      const result = await action.mutateAsync({ id: e.id, quantity: quantityToExercise });
      if (quantityToExercise !== undefined) toast.success(t("exercisedToast", { symbol: e.symbol, count: formatNumber(quantityToExercise) }));
      else toast.success(t(result.booked ? "appliedToast" : "alreadyToast", { symbol: e.symbol }));
    } catch (error) {
      toast.error(errorMessage(error));
    }
  }

  if (e.status === "applied") return <span className="text-xs text-muted-foreground">{t("applied")}</span>;
  if (e.status === "lapsed") return <span className="text-xs text-muted-foreground">{t("lapsed")}</span>;
  if (e.status === "pending") return <span className="text-xs text-muted-foreground">{t("notDue")}</span>;
  if (e.kind === "rights_issue") {
    return (
      <form
        className="flex items-center justify-end gap-1.5"
        onSubmit={(event) => {
          event.preventDefault();
          void run(Number(quantity));
        }}
      >
        <Input
          type="number"
          min={1}
          max={Number(e.rights)}
          step={1}
          required
          value={quantity}
          onChange={(event) => setQuantity(event.target.value)}
          aria-label={t("exerciseLabel", { symbol: e.symbol })}
          className="h-8 w-24 text-right"
        />
        <Button type="submit" size="sm" disabled={action.isPending}>
          {action.isPending && <Loader2Icon className="animate-spin" />}
          {t("exercise")}
        </Button>
      </form>
    );
  }
  return (
    <Button size="sm" onClick={() => void run()} disabled={action.isPending}>
      {action.isPending && <Loader2Icon className="animate-spin" />}
      {t("apply")}
    </Button>
  );
}

function EntitlementsTable({ portfolioId }: { portfolioId: number }) {
  const { formatDate, formatNumber } = useFormat();
  const t = useTranslations("events");
  const entitlements = useEntitlements(portfolioId);
  if (entitlements.isPending) return <TableSkeleton rows={3} cols={7} />;
  if (entitlements.isError) return <ErrorState error={entitlements.error} onRetry={() => void entitlements.refetch()} />;
  const rows = entitlements.data;
  if (rows.length === 0) return <EmptyState icon={GiftIcon} title={t("entitlements.empty")} />;
  return (
    <Table>
      <TableHeader>
        <TableRow>
          <TableHead className="pl-5">{t("entitlements.symbol")}</TableHead>
          <TableHead>{t("entitlements.event")}</TableHead>
          <TableHead>{t("entitlements.exDate")}</TableHead>
          <TableHead className="hidden sm:table-cell">{t("entitlements.paymentDate")}</TableHead>
          <TableHead className="hidden text-right md:table-cell">{t("entitlements.sharesHeld")}</TableHead>
          <TableHead>{t("entitlements.receives")}</TableHead>
          <TableHead>{t("entitlements.status")}</TableHead>
          <TableHead className="pr-5 text-right">{t("entitlements.action")}</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((e) => (
          <TableRow key={e.id} data-testid={`entitlement-${e.symbol}-${e.kind}`}>
            <TableCell className="pl-5 font-semibold">
              <Link href={`/instruments/${e.symbol}`} className="hover:text-primary">
                {e.symbol}
              </Link>
            </TableCell>
            <TableCell>
              <KindLabel kind={e.kind} />
              {e.ratio && <span className="block text-xs text-muted-foreground">{e.ratio}</span>}
            </TableCell>
            <TableCell className="tabular">{formatDate(e.ex_date)}</TableCell>
            <TableCell className="tabular hidden sm:table-cell">{formatDate(e.payment_date)}</TableCell>
            <TableCell className="tabular hidden text-right md:table-cell">{formatNumber(e.shares_held)}</TableCell>
            <TableCell className="tabular">
              <Receives entitlement={e} />
              {Object.keys(e.last_change ?? {}).length > 0 && <span className="block text-xs text-amber-600">{t("entitlements.changed")}</span>}
            </TableCell>
            <TableCell>
              <Badge variant={STATUS_TONE[e.status]}>{t(`status.${e.status}`)}</Badge>
            </TableCell>
            <TableCell className="pr-5 text-right">
              <EntitlementAction entitlement={e} portfolioId={portfolioId} />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function Terms({ event }: { event: CalendarEvent }) {
  const { formatVnd } = useFormat();
  const t = useTranslations("events.calendar");
  if (event.cash_per_share) return <>{t("perShare", { amount: formatVnd(event.cash_per_share) })}</>;
  return <>{t("ratio", { ratio: event.ratio ?? "" })}</>;
}

function CalendarSection({ portfolioId }: { portfolioId: number }) {
  const { formatDate, formatVnd } = useFormat();
  const t = useTranslations("events");
  const calendar = useDividendCalendar(portfolioId);
  if (calendar.isPending) return <TableSkeleton rows={3} cols={6} />;
  if (calendar.isError) return <ErrorState error={calendar.error} onRetry={() => void calendar.refetch()} />;
  const { upcoming, income_by_year: income, pending_cash: pendingCash } = calendar.data;
  return (
    <div className="grid gap-4 xl:grid-cols-[2fr_1fr]">
      <Card className="gap-0 py-0">
        <div className="border-b px-5 py-4">
          <h2 className="font-semibold">{t("calendar.title")}</h2>
          <p className="text-sm text-muted-foreground">{t("calendar.subtitle")}</p>
        </div>
        {upcoming.length === 0 ? (
          <EmptyState icon={CalendarIcon} title={t("calendar.empty")} />
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead className="pl-5">{t("entitlements.symbol")}</TableHead>
                <TableHead>{t("entitlements.event")}</TableHead>
                <TableHead>{t("entitlements.exDate")}</TableHead>
                <TableHead>{t("entitlements.paymentDate")}</TableHead>
                <TableHead>{t("calendar.terms")}</TableHead>
                <TableHead className="pr-5">{t("calendar.entitlement")}</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {upcoming.map((event) => (
                <TableRow key={event.event} data-testid={`calendar-${event.symbol}-${event.ex_date}`}>
                  <TableCell className="pl-5">
                    <Link href={`/instruments/${event.symbol}`} className="font-semibold hover:text-primary">
                      {event.symbol}
                    </Link>
                    <span className="mt-0.5 flex gap-1">
                      {event.held && <Badge variant="secondary">{t("calendar.held")}</Badge>}
                      {event.watched && <Badge variant="outline">{t("calendar.watched")}</Badge>}
                    </span>
                  </TableCell>
                  <TableCell>
                    <KindLabel kind={event.kind} />
                  </TableCell>
                  <TableCell className="tabular">{formatDate(event.ex_date)}</TableCell>
                  <TableCell className="tabular">{formatDate(event.payment_date)}</TableCell>
                  <TableCell className="tabular">
                    <Terms event={event} />
                  </TableCell>
                  <TableCell className="tabular pr-5">{event.entitlement ? <Receives entitlement={event.entitlement} /> : "—"}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Card>
      <Card className="gap-0 py-0">
        <div className="border-b px-5 py-4">
          <h2 className="font-semibold">{t("income.title")}</h2>
          {pendingCash !== "0" && <p className="text-sm text-muted-foreground">{t("income.pending", { amount: formatVnd(pendingCash) })}</p>}
        </div>
        {income.length === 0 ? (
          <EmptyState title={t("income.empty")} />
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead className="pl-5">{t("income.year")}</TableHead>
                <TableHead className="text-right">{t("income.gross")}</TableHead>
                <TableHead className="text-right">{t("income.tax")}</TableHead>
                <TableHead className="pr-5 text-right">{t("income.net")}</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {income.map((row) => (
                <TableRow key={row.year}>
                  <TableCell className="pl-5 font-medium">{row.year}</TableCell>
                  <TableCell className="tabular text-right">{formatVnd(row.gross)}</TableCell>
                  <TableCell className="tabular text-right">{formatVnd(row.tax)}</TableCell>
                  <TableCell className="tabular pr-5 text-right font-medium">{formatVnd(row.net)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Card>
    </div>
  );
}

export function EntitlementsView() {
  const t = useTranslations("events");
  const { selected, isPending } = useSelectedPortfolio();
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      {isPending ? (
        <TableSkeleton rows={3} cols={6} />
      ) : selected === null ? (
        <EmptyState icon={GiftIcon} title={t("noPortfolio")} />
      ) : (
        <div className="space-y-4">
          <Card className="gap-0 py-0">
            <div className="border-b px-5 py-4">
              <h2 className="font-semibold">{t("entitlements.title")}</h2>
              <p className="text-sm text-muted-foreground">{t("entitlements.subtitle")}</p>
            </div>
            <EntitlementsTable portfolioId={selected.id} />
          </Card>
          <CalendarSection portfolioId={selected.id} />
        </div>
      )}
    </>
  );
}
