"use client";
import { BellIcon, BellRingIcon, Trash2Icon } from "lucide-react";
import Link from "next/link";
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
import { errorMessage } from "@/lib/api/errors";
import { useAlerts, useDeleteAlert, useQuotesQuery, useSaveAlert } from "@/lib/api/queries";
import type { Alert } from "@/lib/api/types";
import { describeCondition } from "@/lib/alerts";
import { formatDateTime, formatPrice, priceTone } from "@/lib/format";
import { useQuotes } from "@/stores/quotes";

function AlertRow({ alert }: { alert: Alert }) {
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
      <TableCell className="whitespace-normal">{describeCondition(alert.condition, alert.threshold)}</TableCell>
      <TableCell className="text-right">
        <FlashingValue quote={live} tone={tone} value={formatPrice(live?.price)} />
      </TableCell>
      <TableCell>
        {alert.triggered_at ? (
          <Badge variant="warning">
            <BellRingIcon /> Fired {formatDateTime(alert.triggered_at)} at {formatPrice(alert.triggered_price)}
          </Badge>
        ) : alert.is_active ? (
          <Badge variant="up">Armed</Badge>
        ) : (
          <Badge variant="secondary">Paused</Badge>
        )}
      </TableCell>
      <TableCell className="pr-5">
        <div className="flex items-center justify-end gap-2">
          <Switch
            aria-label={alert.is_active ? "Pause alert" : "Arm alert"}
            checked={alert.is_active}
            disabled={save.isPending}
            onCheckedChange={(checked) => save.mutateAsync({ id: alert.id, input: { is_active: checked } }).catch((e) => toast.error(errorMessage(e)))}
          />
          <Button variant="ghost" size="icon-sm" aria-label={`Delete alert for ${alert.symbol}`} disabled={remove.isPending} onClick={() => remove.mutateAsync(alert.id).then(() => toast.success("Alert deleted"), (e) => toast.error(errorMessage(e)))}>
            <Trash2Icon />
          </Button>
        </div>
      </TableCell>
    </TableRow>
  );
}

export function AlertsView() {
  const alerts = useAlerts();
  const symbols = [...new Set((alerts.data ?? []).map((a) => a.symbol))];
  useQuotesQuery(symbols);
  useLiveSymbols(symbols);
  return (
    <>
      <PageHeader title="Price alerts" description="Each alert fires once, with a notification, then stays here as fired" actions={<CreateAlertDialog />} />
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
          <EmptyState icon={BellIcon} title="No alerts yet" description="Create one here or from any instrument page." />
        ) : (
          <Table data-testid="alerts-table">
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead className="pl-5">Symbol</TableHead>
                <TableHead>Condition</TableHead>
                <TableHead className="text-right">Last price</TableHead>
                <TableHead>Status</TableHead>
                <TableHead className="pr-5 text-right">Active</TableHead>
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
