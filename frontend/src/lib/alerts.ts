import { toast } from "sonner";
import type { AlertCondition } from "@/lib/api/types";
import type { Formatters } from "@/lib/format";

export const CONDITIONS: readonly AlertCondition[] = ["above", "below", "change_pct_above", "change_pct_below"];

/** The words of alert toasts and descriptions in the page's language (see useAlertText). */
export type AlertText = {
  /** The condition's label, e.g. "Price rises to or above". */
  condition: (condition: AlertCondition) => string;
  /** "FPT: alert triggered". */
  triggered: (symbol: string) => string;
  /** "Last price 95.300 ₫". */
  lastPrice: (price: string) => string;
  format: Formatters;
};

export function describeCondition(condition: string, threshold: string | null | undefined, text: AlertText): string {
  const pct = condition.startsWith("change_pct");
  const label = CONDITIONS.includes(condition as AlertCondition) ? text.condition(condition as AlertCondition) : condition;
  const value = pct ? text.format.formatPercent(threshold, { signed: false }) : text.format.formatVnd(threshold);
  return `${label} ${value}`;
}

const shown = new Set<string>();

/** The current language's words, kept up to date by <AlertTextSync /> (alerts arrive outside React renders). */
let currentText: AlertText | null = null;

export function setAlertText(text: AlertText): void {
  currentText = text;
}

export type FiredAlert = {
  id?: number | null;
  symbol: string;
  condition?: string | null;
  threshold?: string | null;
  price?: string | null;
  triggered_at?: string | null;
};

/** Toast a fired alert once, whether it came over the websocket or from polling. */
export function notifyAlertFired(alert: FiredAlert, text: AlertText | null = currentText): boolean {
  const key = alert.id != null ? `id:${alert.id}` : `${alert.symbol}:${alert.condition}:${alert.threshold}:${alert.triggered_at}`;
  if (shown.has(key)) return false;
  shown.add(key);
  toast.warning(text ? text.triggered(alert.symbol) : alert.symbol, {
    description: text
      ? [alert.condition ? describeCondition(alert.condition, alert.threshold, text) : null, alert.price ? text.lastPrice(text.format.formatVnd(alert.price)) : null]
          .filter(Boolean)
          .join(" · ")
      : undefined,
    duration: 10_000,
  });
  return true;
}

/** For tests. */
export function resetShownAlerts(): void {
  shown.clear();
}
