// Live portfolio valuation in the browser: the holdings and summary from the API (or the latest
// `valuation` push), re-priced with the ticks that arrived since. Display arithmetic only (Number
// is exact to 2^53 VND); the server stays the source of truth and replaces these on every push.
import type { Holding, PortfolioSummary } from "@/lib/api/types";
import { toNumber } from "@/lib/format";

export type PriceInfo = { price?: string | null; change?: string | null; change_pct?: string | null };

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
  unrealizedPnl: number | null;
  dayChange: number | null;
  dayChangePct: number | null;
};

export function liveValuation(
  holdings: readonly Holding[],
  summary: PortfolioSummary | null | undefined,
  quotes: Record<string, PriceInfo | undefined>,
): { rows: LiveHolding[]; totals: LiveTotals } {
  let marketValue = 0;
  let costBasis = 0;
  let dayChange = 0;
  let dayKnown = false;
  const rows = holdings.map((h): LiveHolding => {
    const quote = quotes[h.symbol.toUpperCase()];
    const quantity = toNumber(h.quantity) ?? 0;
    const serverPrice = toNumber(h.last_price);
    const price = toNumber(quote?.price) ?? serverPrice;
    const cost = toNumber(h.cost_basis) ?? quantity * (toNumber(h.avg_cost) ?? 0);
    const value = price !== null ? quantity * price : (toNumber(h.market_value) ?? cost);
    const pnl = value - cost;
    // The server's day change (which knows about today's buys) moved by the price change since;
    // failing that, every share held times today's change per share.
    const serverDay = toNumber(h.day_change);
    const perShare = toNumber(quote?.change);
    const day =
      serverDay !== null && serverPrice !== null && price !== null
        ? serverDay + quantity * (price - serverPrice)
        : perShare !== null
          ? quantity * perShare
          : serverDay;
    const previous = day !== null ? value - day : null;
    marketValue += value;
    costBasis += cost;
    if (day !== null) {
      dayChange += day;
      dayKnown = true;
    }
    return {
      ...h,
      livePrice: price,
      liveValue: value,
      livePnl: pnl,
      livePnlPct: cost > 0 ? (pnl / cost) * 100 : null,
      liveDayChange: day,
      liveDayChangePct: toNumber(quote?.change_pct) ?? (day !== null && previous ? (day / previous) * 100 : null),
      liveWeight: null,
    };
  });
  const cash = toNumber(summary?.cash);
  const totalValue = holdings.length || summary ? marketValue + (cash ?? 0) : null;
  for (const row of rows) row.liveWeight = row.liveValue !== null && totalValue ? (row.liveValue / totalValue) * 100 : null;
  const day = dayKnown ? dayChange : toNumber(summary?.day_change);
  const reference = day !== null ? marketValue - day : null;
  return {
    rows,
    totals: {
      totalValue,
      marketValue,
      cash,
      unrealizedPnl: marketValue - costBasis,
      dayChange: day,
      dayChangePct: day !== null && reference ? (day / reference) * 100 : day === 0 ? 0 : toNumber(summary?.day_change_pct),
    },
  };
}
