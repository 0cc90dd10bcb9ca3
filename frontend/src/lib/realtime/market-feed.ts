// Market-stream message handling: snapshots and ticks update the quotes store; duplicates are
// dropped; a seq gap (ticks lost to a slow connection) triggers one debounced refetch of
// /api/market/quotes/ for the affected symbols. The socket itself is `useWebSocket`'s job.
import type { StoreApi } from "zustand/vanilla";
import type { Quote } from "@/lib/api/types";
import type { QuotesState } from "@/stores/quotes";
import type { ServerMessage } from "./protocol";
import { SeqTracker } from "./seq";

export type MarketFeedOptions = {
  store: StoreApi<QuotesState>;
  fetchQuotes: (symbols: string[]) => Promise<Quote[]>;
  gapDebounceMs?: number;
  onOtherMessage?: (message: ServerMessage) => void;
};

export class MarketFeed {
  readonly seq = new SeqTracker();
  private readonly options: MarketFeedOptions;
  private pendingGaps = new Set<string>();
  private gapTimer: ReturnType<typeof setTimeout> | null = null;
  /** How many gap refetches were started (exposed for tests and diagnostics). */
  refetches = 0;

  constructor(options: MarketFeedOptions) {
    this.options = options;
  }

  /** After a reconnect the ticks missed meanwhile are covered by the snapshot that follows. */
  reconnected(): void {
    this.seq.reset();
  }

  dispose(): void {
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.gapTimer = null;
    this.pendingGaps.clear();
  }

  handle = (message: ServerMessage): void => {
    const store = this.options.store.getState();
    switch (message.type) {
      case "snapshot": {
        const quotes = message.quotes ?? [];
        store.applyQuotes(quotes);
        for (const quote of quotes) {
          if (typeof quote.seq === "number") this.seq.set(quote.symbol.toUpperCase(), quote.seq);
        }
        return;
      }
      case "tick": {
        const symbol = message.symbol.toUpperCase();
        const verdict = this.seq.observe(symbol, message.seq);
        if (verdict === "duplicate") return;
        store.applyTick(message);
        if (verdict === "gap") this.gap(symbol);
        return;
      }
      case "pong":
        return;
      default:
        this.options.onOtherMessage?.(message);
    }
  };

  private gap(symbol: string): void {
    this.pendingGaps.add(symbol);
    if (this.gapTimer) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = null;
      const symbols = [...this.pendingGaps];
      this.pendingGaps = new Set();
      this.refetches += 1;
      this.options
        .fetchQuotes(symbols)
        .then((quotes) => {
          this.options.store.getState().applyQuotes(quotes);
          for (const quote of quotes) if (typeof quote.seq === "number") this.seq.set(quote.symbol.toUpperCase(), quote.seq);
        })
        .catch(() => {
          // The next gap or the periodic refresh tries again.
        });
    }, this.options.gapDebounceMs ?? 250);
  }
}
