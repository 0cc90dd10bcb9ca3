/**
 * Per-symbol tick sequence tracking. Each symbol's ticks carry a monotonically increasing `seq`;
 * a jump means ticks were dropped (slow client, reconnect), so the caller refetches the quote.
 */
export type SeqVerdict = "first" | "next" | "gap" | "duplicate";

export class SeqTracker {
  private readonly last = new Map<string, number>();

  observe(symbol: string, seq: number): SeqVerdict {
    const previous = this.last.get(symbol);
    if (previous === undefined) {
      this.last.set(symbol, seq);
      return "first";
    }
    if (seq <= previous) return "duplicate";
    this.last.set(symbol, seq);
    return seq === previous + 1 ? "next" : "gap";
  }

  /** Adopt a known position (a snapshot or refetched quote that carries seq). */
  set(symbol: string, seq: number): void {
    const previous = this.last.get(symbol);
    if (previous === undefined || seq > previous) this.last.set(symbol, seq);
  }

  /** Forget a symbol (or all): the next tick becomes the new baseline. */
  reset(symbol?: string): void {
    if (symbol === undefined) this.last.clear();
    else this.last.delete(symbol);
  }

  lastSeq(symbol: string): number | undefined {
    return this.last.get(symbol);
  }
}
