import { toast } from "sonner";
import type { AlertCondition } from "@/lib/api/types";
import { formatPercent, formatPrice } from "@/lib/format";

export const CONDITION_LABELS: Record<AlertCondition, string> = {
  above: "Price rises to or above",
  below: "Price falls to or below",
  change_pct_above: "Day change at or above",
  change_pct_below: "Day change at or below",
};

export function describeCondition(condition: string, threshold: string | null | undefined): string {
  const pct = condition.startsWith("change_pct");
  const label = CONDITION_LABELS[condition as AlertCondition] ?? condition;
  return `${label} ${pct ? formatPercent(threshold, { signed: false }) : `${formatPrice(threshold)} ₫`}`;
}

const shown = new Set<string>();

export type FiredAlert = {
  id?: number | null;
  symbol: string;
  condition?: string | null;
  threshold?: string | null;
  price?: string | null;
  triggered_at?: string | null;
};

/** Toast a fired alert once, whether it came over the websocket or from polling. */
export function notifyAlertFired(alert: FiredAlert): boolean {
  const key = alert.id != null ? `id:${alert.id}` : `${alert.symbol}:${alert.condition}:${alert.threshold}:${alert.triggered_at}`;
  if (shown.has(key)) return false;
  shown.add(key);
  toast.warning(`${alert.symbol}: alert triggered`, {
    description: [
      alert.condition ? describeCondition(alert.condition, alert.threshold) : null,
      alert.price ? `Last price ${formatPrice(alert.price)} ₫` : null,
    ]
      .filter(Boolean)
      .join(" · "),
    duration: 10_000,
  });
  return true;
}

/** For tests. */
export function resetShownAlerts(): void {
  shown.clear();
}
