// The exchanges' tick sizes (docs/vn-market.md), for the chart's price axis: HOSE 10 VND below
// 10,000, 50 VND from 10,000 to 49,950, 100 VND from 50,000, ETFs and covered warrants 10 VND;
// HNX and UPCOM 100 VND. Indices move in hundredths of a point.

export function tickSize(exchange: string | null | undefined, type: string | null | undefined, price: number): number {
  const kind = (type ?? "").toLowerCase();
  if (kind === "index") return 0.01;
  if ((exchange ?? "").toUpperCase() !== "HOSE") return 100;
  if (kind === "etf" || kind === "cw") return 10;
  if (price >= 50_000) return 100;
  if (price >= 10_000) return 50;
  return 10;
}

/**
 * lightweight-charts' priceFormat for a chart whose prices reach up to `highest`: the axis marks are
 * multiples of minMove, so with the coarsest tick in view every label is a price the exchange allows
 * (a multiple of 100 is also on the 50 and 10 grids below it).
 */
export function chartPriceFormat(exchange: string | null | undefined, type: string | null | undefined, highest: number) {
  const tick = tickSize(exchange, type, Number.isFinite(highest) ? highest : 0);
  return { type: "price" as const, precision: tick < 1 ? 2 : 0, minMove: tick };
}
