// Messages of the websocket protocol (issue 6). Prices and amounts are strings.
import type { BoardRow, Holding, PortfolioSummary, Quote } from "@/lib/api/types";
import type { BoardQuoteMessage } from "@/lib/board/store";

export type TickMessage = {
  type: "tick";
  symbol: string;
  price: string;
  change: string | null;
  change_pct: string | null;
  /** Shares in this trade (the quote's `volume` is the day's total). */
  volume: number;
  ts: string;
  seq: number;
  source: string;
};

export type SnapshotMessage = { type: "snapshot"; quotes: Quote[]; subscribed?: string[] };
export type PongMessage = { type: "pong" };
export type ErrorMessage = { type: "error"; code: string; message: string };

/** The portfolio stream's push: the same shapes as GET .../summary/ and .../holdings/. */
export type ValuationMessage = {
  type: "valuation";
  portfolio_id: number;
  summary: PortfolioSummary;
  holdings: Holding[];
};

export type TransactionMessage = { type: "transaction"; portfolio_id?: number };

/** A fired price alert: the REST alert fields plus context. */
export type AlertMessage = {
  type: "alert";
  id: number;
  symbol: string;
  condition: string;
  threshold: string;
  triggered_at: string | null;
  triggered_price: string | null;
  change_pct?: string | null;
  message?: string;
};

export type UnsubscribedMessage = { type: "unsubscribed"; symbols: string[]; subscribed: string[] };

/** The rows of a board after a `board` action (the REST board's rows). */
export type BoardMessage = { type: "board"; list: string; symbols: string[]; limit: number; rows: BoardRow[] };
export type BoardLeftMessage = { type: "board_left" };
export type { BoardQuoteMessage };

export type ServerMessage =
  | BoardMessage
  | BoardQuoteMessage
  | BoardLeftMessage
  | TickMessage
  | SnapshotMessage
  | PongMessage
  | ErrorMessage
  | ValuationMessage
  | TransactionMessage
  | AlertMessage
  | UnsubscribedMessage;

export type ClientMessage =
  | { action: "subscribe"; symbols: string[] }
  | { action: "unsubscribe"; symbols: string[] }
  | { action: "board"; list: string }
  | { action: "board_leave" }
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
