// Live portfolio valuation in the browser: the holdings and summary from the API (or the latest
// `valuation` push), re-priced with the ticks that arrived since. Display arithmetic only (Number
// is exact to 2^53 VND); the server stays the source of truth and replaces these on every push.
//
// The definitions are the server's (portfolio/valuation.py, README "Portfolio numbers"):
// - today's P&L per line = quantity × last + day_sold_value − day_base_quantity × reference
//   − day_bought_value (shares bought today move from their buy price, sold today up to their
//   sell price); the total adds the rounded lines, including the symbols sold out today
//   (summary.day_closed); its % divides by Σ (day_base_quantity × reference + day_bought_value);
// - every VND figure rounded half-up to whole VND once per line, totals are sums of the lines;
// - weight = a line's value / total value (cash and pending entitlements included), two decimals
//   half-up; the by-symbol allocation is these weights plus cash and the pending entitlements
//   ("RECEIVABLES") as their own slices;
// - pending entitlements (summary.receivables: from the ex-date until the ledger row lands) count
//   in the total value: a holding's pending_cash, and its pending_shares at the live price; in
//   today's P&L per line = (quantity + pending_shares) × last + pending_cash + day_sold_value
//   − day_base_quantity × reference − day_pending_base − day_bought_value.
import type { ClosedDayLine, Holding, PortfolioSummary } from "@/lib/api/types";
import { toNumber } from "@/lib/format";

export type PriceInfo = {
  price?: string | null;
  change?: string | null;
  change_pct?: string | null;
  reference_price?: string | null;
};

export type LiveHolding = Holding & {
  livePrice: number | null;
  liveValue: number | null;
  livePnl: number | null;
  livePnlPct: number | null;
  liveDayChange: number | null;
  liveDayChangePct: number | null;
  liveWeight: number | null;
};

export type LiveTotals = {
  totalValue: number | null;
  marketValue: number | null;
  cash: number | null;
  receivables: number;
  unrealizedPnl: number | null;
  dayChange: number | null;
  dayChangePct: number | null;
};

export type LiveSlice = { key: string; label: string; value: number; weight: number };

/** Half-up (a tie away from zero) to `places` decimals, never -0: the server's rounding. */
export function roundHalfUp(value: number, places = 0): number {
  const scale = 10 ** places;
  const rounded = (Math.sign(value) * Math.round(Math.abs(value) * scale)) / scale;
  return rounded === 0 ? 0 : rounded;
}

/** Percent of `total`, two decimals half-up; null when dividing by zero. */
export function percentOf(part: number, total: number | null): number | null {
  return total ? roundHalfUp((part / total) * 100, 2) : null;
}

type DayFields = Pick<Holding, "reference_price" | "day_base_quantity" | "day_bought_value" | "day_sold_value" | "day_change"> & {
  day_pending_base?: string | null;
};

/** What a line's pending entitlements add today: shares (at the price) and net cash. */
export type Pending = { shares: number; cash: number };
const NOTHING_PENDING: Pending = { shares: 0, cash: 0 };

/** The reference a tick implies (its reference price, or price − change), else the server's. */
function referenceOf(line: DayFields, quote: PriceInfo | undefined): number | null {
  const price = toNumber(quote?.price);
  const change = toNumber(quote?.change);
  return toNumber(quote?.reference_price) ?? (price !== null && change !== null ? price - change : null) ?? toNumber(line.reference_price);
}

/** A line's day change at `price` and its base (what the % divides by); null without the parts. */
export function dayLine(
  quantity: number,
  line: DayFields,
  price: number | null,
  reference: number | null,
  pending: Pending = NOTHING_PENDING,
): { change: number; base: number } | null {
  const base = toNumber(line.day_base_quantity);
  const bought = toNumber(line.day_bought_value);
  const sold = toNumber(line.day_sold_value);
  const pendingBase = toNumber(line.day_pending_base) ?? 0;
  if (base === null || bought === null || sold === null || reference === null || price === null) return null;
  const now = (quantity + pending.shares) * price + pending.cash;
  return { change: roundHalfUp(now + sold - base * reference - pendingBase - bought), base: base * reference + pendingBase + bought };
}

function pendingOf(h: Holding): Pending {
  return { shares: toNumber(h.pending_shares) ?? 0, cash: toNumber(h.pending_cash) ?? 0 };
}

export function liveValuation(
  holdings: readonly Holding[],
  summary: PortfolioSummary | null | undefined,
  quotes: Record<string, PriceInfo | undefined>,
): { rows: LiveHolding[]; totals: LiveTotals } {
  let marketValue = 0;
  let costBasis = 0;
  let dayChange = 0;
  let dayBase = 0;
  let dayKnown = false;
  // The server's receivables, moved by the ticks of the held symbols' pending shares.
  let receivables = toNumber(summary?.receivables?.total) ?? 0;
  const addDay = (day: { change: number; base: number } | null) => {
    if (day === null) return;
    dayChange += day.change;
    dayBase += day.base;
    dayKnown = true;
  };
  const rows = holdings.map((h): LiveHolding => {
    const quote = quotes[h.symbol.toUpperCase()];
    const quantity = toNumber(h.quantity) ?? 0;
    const price = toNumber(quote?.price) ?? toNumber(h.last_price);
    const cost = toNumber(h.cost_basis) ?? 0;
    const value = price !== null ? roundHalfUp(quantity * price) : (toNumber(h.market_value) ?? cost);
    const pnl = value - cost;
    // The server's line (it knows today's trades) at the live price; without one (no reference
    // when the server valued it), every share held times the tick's change per share.
    const pending = pendingOf(h);
    const serverPrice = toNumber(h.last_price);
    if (pending.shares && price !== null && serverPrice !== null) receivables += roundHalfUp(pending.shares * price) - roundHalfUp(pending.shares * serverPrice);
    const line = dayLine(quantity, h, price, referenceOf(h, quote), pending);
    const perShare = toNumber(quote?.change);
    const day = line ?? (perShare !== null && price !== null ? { change: roundHalfUp(quantity * perShare), base: quantity * (price - perShare) } : null);
    addDay(day);
    marketValue += value;
    costBasis += cost;
    return {
      ...h,
      livePrice: price,
      liveValue: value,
      livePnl: pnl,
      livePnlPct: cost > 0 ? (pnl / cost) * 100 : null,
      liveDayChange: day?.change ?? toNumber(h.day_change),
      liveDayChangePct: day ? percentOf(day.change, day.base) : toNumber(h.day_change_pct),
      liveWeight: null,
    };
  });
  for (const closed of summary?.day_closed ?? []) addDay(closedLine(closed, quotes[closed.symbol.toUpperCase()]));
  const cash = toNumber(summary?.cash);
  const totalValue = holdings.length || summary ? marketValue + (cash ?? 0) + receivables : null;
  for (const row of rows) row.liveWeight = row.liveValue !== null ? percentOf(row.liveValue, totalValue) : null;
  const day = dayKnown ? dayChange : toNumber(summary?.day_change);
  return {
    rows,
    totals: {
      totalValue,
      marketValue,
      cash,
      receivables,
      unrealizedPnl: marketValue - costBasis,
      dayChange: day,
      dayChangePct: dayKnown ? percentOf(dayChange, dayBase) : toNumber(summary?.day_change_pct),
    },
  };
}

/** A symbol sold out today: only its reference can still move its line. */
function closedLine(line: ClosedDayLine, quote: PriceInfo | undefined) {
  const price = toNumber(quote?.price) ?? toNumber(line.last_price);
  return dayLine(0, line, price, referenceOf(line, quote));
}

/** The by-symbol allocation of a live valuation, by the API's definition (/allocation/?by=symbol):
 * every holding's value, largest first, then cash as its own slice when tracked and positive, then
 * the pending entitlements ("RECEIVABLES") when positive; each weight a percent of the total value. */
export function symbolAllocation(rows: readonly LiveHolding[], totals: LiveTotals): LiveSlice[] {
  const total = totals.totalValue;
  const slices = rows
    .map((r) => ({ key: r.symbol, label: r.name || r.symbol, value: r.liveValue ?? 0, weight: percentOf(r.liveValue ?? 0, total) ?? 0 }))
    .sort((a, b) => b.value - a.value || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (totals.cash !== null && totals.cash > 0) slices.push({ key: "CASH", label: "Cash", value: totals.cash, weight: percentOf(totals.cash, total) ?? 0 });
  if (totals.receivables > 0) slices.push({ key: "RECEIVABLES", label: "Pending entitlements", value: totals.receivables, weight: percentOf(totals.receivables, total) ?? 0 });
  return slices;
}
