// Live market state: the latest quote per symbol (REST, snapshots and ticks merged) and the most
// recent ticks. Vanilla Zustand store so the websocket feed and unit tests can drive it directly.
import { createStore, type StoreApi } from "zustand/vanilla";
import { useStore } from "zustand";
import type { Quote } from "@/lib/api/types";
import type { TickMessage } from "@/lib/realtime/protocol";

export type Direction = "up" | "down" | "same";

export type LiveQuote = Partial<Quote> & {
  symbol: string;
  /** Direction of the last price update, for the flash. */
  direction: Direction | null;
  /** Increments on every tick, so a cell can restart its flash animation. */
  flash: number;
  seq?: number | null;
  ts?: string | null;
};

export type RecentTick = { seq: number; ts: string; price: string; volume: number; direction: Direction };

export const RECENT_TICKS = 50;

export type QuotesState = {
  quotes: Record<string, LiveQuote>;
  ticks: Record<string, RecentTick[]>;
  /** Source of the last message seen ("simulated" shows the badge). */
  lastSource: string | null;
  applyQuotes: (quotes: readonly (Partial<Quote> & { symbol: string })[]) => void;
  applyTick: (tick: TickMessage) => Direction | null;
};

function compare(next: string | null | undefined, previous: string | null | undefined): Direction {
  const a = Number(next);
  const b = Number(previous);
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === b) return "same";
  return a > b ? "up" : "down";
}

export function createQuotesStore(): StoreApi<QuotesState> {
  return createStore<QuotesState>()((set, get) => ({
    quotes: {},
    ticks: {},
    lastSource: null,
    applyQuotes: (incoming) => {
      if (!incoming.length) return;
      set((state) => {
        const quotes = { ...state.quotes };
        let lastSource = state.lastSource;
        for (const quote of incoming) {
          const symbol = quote.symbol.toUpperCase();
          const previous = quotes[symbol];
          // A REST quote older than the tick we already applied must not roll the price back.
          if (previous?.ts && quote.as_of && Date.parse(quote.as_of) < Date.parse(previous.ts)) {
            quotes[symbol] = { ...quote, ...pickLive(previous), symbol, direction: previous.direction, flash: previous.flash };
          } else {
            quotes[symbol] = { ...previous, ...quote, symbol, direction: previous?.direction ?? null, flash: previous?.flash ?? 0 };
          }
          if (quote.source) lastSource = quote.source;
        }
        return { quotes, lastSource };
      });
    },
    applyTick: (tick) => {
      const symbol = tick.symbol.toUpperCase();
      const previous = get().quotes[symbol];
      const direction = previous ? compare(tick.price, previous.price) : null;
      set((state) => {
        const base = state.quotes[symbol] ?? { symbol, direction: null, flash: 0 };
        const quote: LiveQuote = {
          ...base,
          symbol,
          price: tick.price,
          change: tick.change ?? base.change,
          change_pct: tick.change_pct ?? base.change_pct,
          // The quote's volume is the day's total; each tick is one trade.
          volume: base.volume !== undefined ? base.volume + (Number(tick.volume) || 0) : undefined,
          source: tick.source ?? base.source,
          seq: tick.seq,
          ts: tick.ts,
          as_of: tick.ts,
          stale: false,
          direction: direction ?? "same",
          flash: base.flash + 1,
        };
        const history = state.ticks[symbol] ?? [];
        const recent: RecentTick = { seq: tick.seq, ts: tick.ts, price: tick.price, volume: tick.volume, direction: direction ?? "same" };
        return {
          quotes: { ...state.quotes, [symbol]: quote },
          ticks: { ...state.ticks, [symbol]: [recent, ...history].slice(0, RECENT_TICKS) },
          lastSource: tick.source ?? state.lastSource,
        };
      });
      return direction;
    },
  }));
}

function pickLive(quote: LiveQuote): Partial<LiveQuote> {
  return { price: quote.price, change: quote.change, change_pct: quote.change_pct, seq: quote.seq, ts: quote.ts, as_of: quote.as_of };
}

export const quotesStore = createQuotesStore();

export function useQuotes<T>(selector: (state: QuotesState) => T): T {
  return useStore(quotesStore, selector);
}

export function useLiveQuote(symbol: string | undefined): LiveQuote | undefined {
  return useStore(quotesStore, (state) => (symbol ? state.quotes[symbol.toUpperCase()] : undefined));
}
