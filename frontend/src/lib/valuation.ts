// Live portfolio valuation in the browser: the holdings and summary from the API, re-priced with
// the latest ticks. Display arithmetic only (Number is exact to 2^53 VND); the server stays the
// source of truth and its figures replace these on every refetch.
import type { Holding, PortfolioSummary } from "@/lib/api/types";
import type { ValuationMessage } from "@/lib/realtime/protocol";
import { toNumber } from "@/lib/format";

export type PriceInfo = { price?: string | null; change?: string | null; change_pct?: string | null; reference_price?: string | null };

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

function valuationPrices(valuation?: ValuationMessage | null): Record<string, PriceInfo> {
  const out: Record<string, PriceInfo> = {};
  for (const h of valuation?.holdings ?? []) out[h.symbol.toUpperCase()] = { price: h.price ?? null, change_pct: h.change_pct ?? null };
  return out;
}

export function liveValuation(
  holdings: Holding[],
  summary: PortfolioSummary | null | undefined,
  quotes: Record<string, PriceInfo | undefined>,
  valuation?: ValuationMessage | null,
): { rows: LiveHolding[]; totals: LiveTotals } {
  const pushed = valuationPrices(valuation);
  let marketValue = 0;
  let costBasis = 0;
  let dayChange = 0;
  let dayChangeKnown = true;
  let anyValue = false;
  const rows = holdings.map((h): LiveHolding => {
    const symbol = h.symbol.toUpperCase();
    const quote = quotes[symbol];
    const quantity = toNumber(h.quantity) ?? 0;
    const price = toNumber(quote?.price) ?? toNumber(pushed[symbol]?.price) ?? toNumber(h.price);
    const cost = toNumber(h.cost_basis) ?? quantity * (toNumber(h.avg_cost) ?? 0);
    const value = price === null ? toNumber(h.market_value) : quantity * price;
    const pnl = value === null ? null : value - cost;
    const reference = toNumber(quote?.reference_price) ?? toNumber(h.reference_price);
    const change = toNumber(quote?.change) ?? (price !== null && reference !== null ? price - reference : null);
    // The server's day change (which knows about today's buys) moved by the tick since it was computed;
    // failing that, every share held times today's change per share.
    const serverDay = toNumber(h.day_change);
    const restPrice = toNumber(h.price);
    const day =
      serverDay !== null && restPrice !== null && price !== null
        ? serverDay + quantity * (price - restPrice)
        : change !== null
          ? quantity * change
          : serverDay;
    const dayPct = toNumber(quote?.change_pct) ?? toNumber(h.day_change_pct);
    if (value !== null) {
      marketValue += value;
      anyValue = true;
    }
    costBasis += cost;
    if (day === null) dayChangeKnown = false;
    else dayChange += day;
    return {
      ...h,
      livePrice: price,
      liveValue: value,
      livePnl: pnl,
      livePnlPct: pnl !== null && cost > 0 ? (pnl / cost) * 100 : null,
      liveDayChange: day,
      liveDayChangePct: dayPct,
      liveWeight: null,
    };
  });
  const cash = toNumber(summary?.cash);
  const haveMarket = anyValue || holdings.length === 0;
  const totalValue = haveMarket ? marketValue + (cash ?? 0) : toNumber(summary?.total_value);
  for (const row of rows) row.liveWeight = row.liveValue !== null && totalValue ? (row.liveValue / totalValue) * 100 : null;
  const day = dayChangeKnown ? dayChange : toNumber(summary?.day_change);
  const previous = totalValue !== null && day !== null ? totalValue - day : null;
  return {
    rows,
    totals: {
      totalValue,
      marketValue: haveMarket ? marketValue : toNumber(summary?.market_value),
      cash,
      unrealizedPnl: haveMarket ? marketValue - costBasis : toNumber(summary?.unrealized_pnl),
      dayChange: day,
      dayChangePct: previous ? ((day ?? 0) / previous) * 100 : toNumber(summary?.day_change_pct),
    },
  };
}
