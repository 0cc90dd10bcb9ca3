// Messages of the websocket protocol (issue 6). Prices and amounts are strings.
import type { Quote } from "@/lib/api/types";

export type TickMessage = {
  type: "tick";
  symbol: string;
  price: string;
  change: string | null;
  change_pct: string | null;
  volume: string | number | null;
  ts: string;
  seq: number;
  source: string;
};

export type SnapshotMessage = { type: "snapshot"; quotes: (Partial<Quote> & { symbol: string })[] };
export type PongMessage = { type: "pong" };
export type ErrorMessage = { type: "error"; code: string; message: string };

export type ValuationHolding = {
  symbol: string;
  quantity?: string | number;
  price?: string | null;
  market_value?: string | null;
  value?: string | null;
  unrealized_pnl?: string | null;
  pnl?: string | null;
  unrealized_pnl_pct?: string | null;
  day_change?: string | null;
  change_pct?: string | null;
};

export type ValuationMessage = {
  type: "valuation";
  portfolio_id?: number;
  total_value?: string;
  market_value?: string;
  cash?: string | null;
  day_change?: string | null;
  day_change_pct?: string | null;
  unrealized_pnl?: string | null;
  holdings?: ValuationHolding[];
  as_of?: string;
};

export type TransactionMessage = { type: "transaction"; portfolio_id?: number };

export type AlertMessage = {
  type: "alert";
  id?: number;
  alert_id?: number;
  symbol: string;
  condition?: string;
  threshold?: string;
  price?: string;
  triggered_price?: string;
  triggered_at?: string;
  message?: string;
};

export type ServerMessage =
  | TickMessage
  | SnapshotMessage
  | PongMessage
  | ErrorMessage
  | ValuationMessage
  | TransactionMessage
  | AlertMessage;

export type ClientMessage =
  | { action: "subscribe"; symbols: string[] }
  | { action: "unsubscribe"; symbols: string[] }
  | { action: "ping" };

export function parseServerMessage(data: unknown): ServerMessage | null {
  if (typeof data !== "string") return null;
  try {
    const parsed = JSON.parse(data) as unknown;
    if (parsed && typeof parsed === "object" && typeof (parsed as { type?: unknown }).type === "string") {
      return parsed as ServerMessage;
    }
  } catch {
    // not JSON: ignore
  }
  return null;
}
