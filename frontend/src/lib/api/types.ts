// Types the client uses, taken from the backend's OpenAPI schema (schema.d.ts, regenerated with
// `npm run gen:api` and committed), so a server change that breaks the client fails the type check.
import type { components } from "./schema";

type Schemas = components["schemas"];

export type User = Schemas["User"];
export type WsTicket = Schemas["WsTicket"];
export type ApiErrorBody = Schemas["ErrorBody"];

export type Paginated<T> = { count: number; next?: string | null; previous?: string | null; results: T[] };

/** Market quote; snapshots on the websocket add the symbol's latest tick `seq`. */
export type Quote = Schemas["Quote"] & { seq?: number | null };
export type DepthLevel = [string, number];
export type Instrument = Schemas["Instrument"];
export type InstrumentDetail = Schemas["InstrumentDetail"];
export type Bar = Schemas["Bar"];
export type BarsResponse = Schemas["BarsResponse"];
export type Tick = Schemas["Tick"];
export type IndexLevel = Schemas["IndexLevel"];
export type MarketSummary = Schemas["Summary"];
export type MarketStatus = Schemas["MarketStatus"];

export type Portfolio = Schemas["Portfolio"];
export type PortfolioInput = Schemas["PortfolioRequest"];
export type CostMethod = Schemas["CostMethodEnum"];
export type Transaction = Schemas["Transaction"];
/** What a SELL realized (`Transaction.realized`; null for other kinds). */
export type SaleRealized = Schemas["SaleRealized"];
export type ClosedPosition = Schemas["ClosedPosition"];
export type ClosedPositions = Schemas["ClosedPositions"];
export type SaleLine = Schemas["SaleLine"];
export type YearTotals = Schemas["YearTotals"];
export type Overview = Schemas["Overview"];
export type OverviewPortfolio = Schemas["OverviewPortfolio"];
export type Board = Schemas["Board"];
export type BoardRow = Schemas["BoardRow"];
export type TransactionInput = Schemas["TransactionInputRequest"];
export type TransactionKind = Schemas["TransactionKindEnum"];
/** What a write would store (POST …/transactions/preview/); nothing is stored. */
export type TransactionPreview = Schemas["TransactionPreview"];
export type TransactionPreviewInput = Schemas["TransactionPreviewInputRequest"];
export type Holding = Schemas["Holding"];
export type ClosedDayLine = Schemas["ClosedDayLine"];
export type Holdings = Schemas["Holdings"];
export type PortfolioSummary = Schemas["PortfolioSummary"];
export type Performance = Schemas["Performance"];
export type PerformancePoint = Schemas["PerformancePoint"];
export type Allocation = Schemas["Allocation"];
export type AllocationSlice = Schemas["AllocationSlice"];
export type ImportResult = Schemas["ImportResult"];
export type Entitlement = Schemas["Entitlement"];
export type EntitlementStatus = Schemas["Entitlement"]["status"];
export type EntitlementList = Schemas["EntitlementList"];
export type EntitlementAction = Schemas["EntitlementAction"];
export type DividendCalendar = Schemas["DividendCalendar"];
export type CalendarEvent = Schemas["CalendarEvent"];
/** One bad row of a rejected import (422 `import_rejected`, in `error.fields.errors`). */
export type ImportRowError = { row: number | null; code: string; message: string; fields?: Record<string, unknown> };

export type WatchlistItem = Schemas["WatchlistItem"];
export type Alert = Schemas["Alert"];
export type AlertCondition = Schemas["ConditionEnum"];
export type AlertInput = Schemas["AlertInputRequest"];

export const TRANSACTION_KINDS = [
  "BUY",
  "SELL",
  "DEPOSIT",
  "WITHDRAWAL",
  "DIVIDEND",
  "STOCK_DIVIDEND",
  "FEE",
  "INTEREST",
  "RIGHTS_SUBSCRIPTION",
  "SHARE_CONSOLIDATION",
] as const satisfies readonly TransactionKind[];

export const ALERT_CONDITIONS = ["above", "below", "change_pct_above", "change_pct_below"] as const satisfies readonly AlertCondition[];

export type Session = { access: string; user: User };
