"use client";
import { useFormat } from "@/hooks/use-format";
import { BellIcon, BellRingIcon, Trash2Icon } from "lucide-react";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { toast } from "sonner";
import { CreateAlertDialog } from "@/components/alerts/create-alert-dialog";
import { FlashingValue } from "@/components/common/price";
import { EmptyState, ErrorState, PageHeader, TableSkeleton } from "@/components/common/states";
import { useLiveSymbols } from "@/components/realtime/market-feed-provider";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Switch } from "@/components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useAlertText } from "@/hooks/use-alert-text";
import { useErrorMessage } from "@/hooks/use-error-message";
import { useAlerts, useDeleteAlert, useQuotesQuery, useSaveAlert } from "@/lib/api/queries";
import type { Alert } from "@/lib/api/types";
import { describeCondition } from "@/lib/alerts";
import { priceTone } from "@/lib/format";
import { useQuotes } from "@/stores/quotes";

function AlertRow({ alert }: { alert: Alert }) {
  const { formatPrice, formatDateTime } = useFormat();
  const t = useTranslations("alerts");
  const alertText = useAlertText();
  const errorMessage = useErrorMessage();
  const live = useQuotes((s) => s.quotes[alert.symbol]);
  const save = useSaveAlert();
  const remove = useDeleteAlert();
  const tone = priceTone(live?.price, live?.reference_price, live?.ceiling_price, live?.floor_price);
  return (
    <TableRow data-testid={`alert-${alert.id}`}>
      <TableCell className="pl-5 font-semibold">
        <Link href={`/instruments/${alert.symbol}`} className="hover:text-primary">
          {alert.symbol}
        </Link>
      </TableCell>
      <TableCell className="whitespace-normal">{describeCondition(alert.condition, alert.threshold, alertText)}</TableCell>
      <TableCell className="hidden text-right sm:table-cell">
        <FlashingValue quote={live} tone={tone} value={formatPrice(live?.price)} />
      </TableCell>
      <TableCell className="whitespace-normal">
        {alert.triggered_at ? (
          <Badge variant="warning" className="h-auto whitespace-normal">
            <BellRingIcon /> {t("status.fired", { time: formatDateTime(alert.triggered_at), price: formatPrice(alert.triggered_price) })}
          </Badge>
        ) : alert.is_active ? (
          <Badge variant="up">{t("status.armed")}</Badge>
        ) : (
          <Badge variant="secondary">{t("status.paused")}</Badge>
        )}
      </TableCell>
      <TableCell className="pr-5">
        <div className="flex items-center justify-end gap-2">
          <Switch
            aria-label={alert.is_active ? t("pause") : t("arm")}
            checked={alert.is_active}
            disabled={save.isPending}
            onCheckedChange={(checked) => save.mutateAsync({ id: alert.id, input: { is_active: checked } }).catch((e) => toast.error(errorMessage(e)))}
          />
          <Button variant="ghost" size="icon-sm" aria-label={t("delete", { symbol: alert.symbol })} disabled={remove.isPending} onClick={() => remove.mutateAsync(alert.id).then(() => toast.success(t("deleted")), (e) => toast.error(errorMessage(e)))}>
            <Trash2Icon />
          </Button>
        </div>
      </TableCell>
    </TableRow>
  );
}

export function AlertsView() {
  const alerts = useAlerts();
  const t = useTranslations("alerts");
  const c = useTranslations("common.col");
  const symbols = [...new Set((alerts.data ?? []).map((a) => a.symbol))];
  useQuotesQuery(symbols);
  useLiveSymbols(symbols);
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} actions={<CreateAlertDialog />} />
      <Card className="gap-0 py-2">
        {alerts.isLoading ? (
          <div className="py-4">
            <TableSkeleton />
          </div>
        ) : alerts.error ? (
          <div className="p-5">
            <ErrorState error={alerts.error} onRetry={() => void alerts.refetch()} />
          </div>
        ) : (alerts.data ?? []).length === 0 ? (
          <EmptyState icon={BellIcon} title={t("empty.title")} description={t("empty.text")} />
        ) : (
          <Table data-testid="alerts-table">
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead className="pl-5">{c("symbol")}</TableHead>
                <TableHead>{t("col.condition")}</TableHead>
                <TableHead className="hidden text-right sm:table-cell">{c("lastPrice")}</TableHead>
                <TableHead>{t("col.status")}</TableHead>
                <TableHead className="pr-5 text-right">{t("col.active")}</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {(alerts.data ?? []).map((alert) => (
                <AlertRow key={alert.id} alert={alert} />
              ))}
            </TableBody>
          </Table>
        )}
      </Card>
    </>
  );
}
