// Types the client uses. Where the backend's OpenAPI schema (schema.d.ts, regenerated with
// `npm run gen:api`) already describes a shape it is taken from there; shapes of endpoints that
// have not landed yet are written from the shared contract and replaced as they land.
import type { components } from "./schema";

type Schemas = components["schemas"];

export type User = Schemas["User"];
export type WsTicket = Schemas["WsTicket"];

/** Error body of every failed API call. */
export type ApiErrorBody = {
  error: { code: string; message: string; fields?: Record<string, string[] | string> | null };
};

export type Paginated<T> = { count: number; next: string | null; previous: string | null; results: T[] };

export type DataSource = "vnstock" | "simulated" | string;

export type Quote = {
  symbol: string;
  price: string | null;
  reference_price: string | null;
  ceiling_price: string | null;
  floor_price: string | null;
  open: string | null;
  high: string | null;
  low: string | null;
  change: string | null;
  change_pct: string | null;
  volume: string | number | null;
  value: string | null;
  foreign_buy?: string | number | null;
  foreign_sell?: string | number | null;
  bids: [string, number | string][];
  asks: [string, number | string][];
  as_of: string | null;
  stale: boolean;
  age_seconds: number | null;
  source: DataSource;
  seq?: number | null;
};

export type Instrument = {
  symbol: string;
  exchange: string;
  type: string;
  name: string;
  name_en?: string;
  industry?: string;
  lot_size?: number;
  groups?: string[];
  is_active?: boolean;
};

export type Bar = {
  start: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string | number;
  value?: string;
};

export type Tick = {
  seq: number;
  time: string;
  price: string;
  volume: string | number;
  side?: string;
  source?: DataSource;
};

export type IndexLevel = { symbol: string; level: string; change: string; change_pct: string };

export type MarketSummary = {
  indices: IndexLevel[];
  gainers: Quote[];
  losers: Quote[];
  most_active: Quote[];
  breadth: { advancers: number; decliners: number; unchanged: number };
  as_of: string | null;
  source: DataSource;
};

export type CostMethod = "average" | "fifo";

export type Portfolio = {
  id: number;
  name: string;
  description?: string;
  base_currency?: string;
  fee_rate?: string;
  sell_tax_rate?: string;
  dividend_tax_rate?: string;
  cost_method?: CostMethod;
  enforce_settlement?: boolean;
  track_cash?: boolean;
  created_at?: string;
};

export const TRANSACTION_KINDS = [
  "BUY",
  "SELL",
  "DEPOSIT",
  "WITHDRAWAL",
  "DIVIDEND",
  "STOCK_DIVIDEND",
  "FEE",
  "INTEREST",
] as const;
export type TransactionKind = (typeof TRANSACTION_KINDS)[number];

export type Transaction = {
  id: number;
  kind: TransactionKind;
  symbol: string | null;
  quantity: string | number | null;
  price: string | null;
  amount: string | null;
  fee: string | null;
  tax: string | null;
  trade_date: string;
  settle_date?: string | null;
  note?: string;
  external_id?: string;
  created_at?: string;
};

export type TransactionInput = {
  kind: TransactionKind;
  symbol?: string;
  quantity?: string;
  price?: string;
  amount?: string;
  fee?: string;
  tax?: string;
  trade_date: string;
  note?: string;
};

export type Holding = {
  symbol: string;
  name?: string;
  quantity: string | number;
  avg_cost: string;
  cost_basis?: string;
  price: string | null;
  reference_price?: string | null;
  market_value: string | null;
  unrealized_pnl: string | null;
  unrealized_pnl_pct?: string | null;
  day_change?: string | null;
  day_change_pct?: string | null;
  weight?: string | null;
  realized_pnl?: string | null;
  source?: DataSource;
  stale?: boolean;
};

export type PortfolioSummary = {
  total_value: string;
  market_value: string;
  cash: string | null;
  cost_basis: string;
  unrealized_pnl: string;
  realized_pnl: string;
  day_change: string | null;
  day_change_pct: string | null;
  net_flows?: string;
  total_return?: string;
  dividends?: string;
  fees?: string;
  taxes?: string;
  as_of?: string | null;
};

export type PerformancePoint = { date: string; value: string; twr?: string | number | null; benchmark?: string | number | null };

export type Performance = {
  range: string;
  start?: string;
  end?: string;
  series: PerformancePoint[];
  benchmark?: { symbol: string; series?: { date: string; value: string | number }[]; return?: string | number | null } | null;
  twr: string | number | null;
  xirr: string | number | null;
  annualized_return?: string | number | null;
  volatility?: string | number | null;
  max_drawdown?: string | number | null;
};

export type AllocationSlice = { key: string; label?: string; value: string; weight: string };
export type Allocation = { by: string; total: string; slices: AllocationSlice[] };

export type ImportRowError = { row: number; field?: string | null; message: string; code?: string; raw?: Record<string, string> | string[] | null };
export type ImportResult = {
  dry_run: boolean;
  total_rows?: number;
  valid_rows?: number;
  created?: number;
  errors: ImportRowError[];
  preview?: Partial<Transaction>[];
};

export type WatchlistItem = { symbol: string; name?: string; exchange?: string; added_at?: string; created_at?: string; quote?: Quote | null };

export const ALERT_CONDITIONS = ["above", "below", "change_pct_above", "change_pct_below"] as const;
export type AlertCondition = (typeof ALERT_CONDITIONS)[number];

export type Alert = {
  id: number;
  symbol: string;
  condition: AlertCondition;
  threshold: string;
  is_active: boolean;
  triggered_at: string | null;
  triggered_price: string | null;
  created_at: string;
};

export type Session = { access: string; user: User };
