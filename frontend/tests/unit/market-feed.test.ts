import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { Quote } from "@/lib/api/types";
import { MarketFeed } from "@/lib/realtime/market-feed";
import type { TickMessage } from "@/lib/realtime/protocol";
import { createQuotesStore } from "@/stores/quotes";

const tick = (symbol: string, seq: number, price = "100000"): TickMessage => ({
  type: "tick",
  symbol,
  price,
  change: "0",
  change_pct: "0",
  volume: 100,
  ts: new Date(Date.UTC(2026, 10, 27, 3, 0, seq)).toISOString(),
  seq,
  source: "simulated",
});

function setup() {
  const store = createQuotesStore();
  const fetchQuotes = vi.fn(async (symbols: string[]) => symbols.map((symbol) => ({ symbol, price: "123000", seq: 50, as_of: "2026-11-27T04:00:00Z" }) as Quote));
  const other = vi.fn();
  const feed = new MarketFeed({ store, fetchQuotes, gapDebounceMs: 100, onOtherMessage: other });
  return { store, fetchQuotes, feed, other };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("MarketFeed", () => {
  test("test_a_snapshot_fills_the_store_and_sets_the_seq_baseline", () => {
    const { store, feed } = setup();
    feed.handle({ type: "snapshot", quotes: [{ symbol: "FPT", price: "100000", seq: 9 } as Quote] });
    expect(store.getState().quotes.FPT!.price).toBe("100000");
    feed.handle(tick("FPT", 9, "999"));
    expect(store.getState().quotes.FPT!.price).toBe("100000");
    feed.handle(tick("FPT", 10, "100100"));
    expect(store.getState().quotes.FPT!.price).toBe("100100");
  });

  test("test_duplicate_ticks_are_dropped", () => {
    const { store, feed } = setup();
    feed.handle(tick("FPT", 1, "100000"));
    feed.handle(tick("FPT", 1, "200000"));
    expect(store.getState().quotes.FPT!.price).toBe("100000");
    expect(store.getState().quotes.FPT!.flash).toBe(1);
  });

  test("test_a_seq_gap_refetches_the_quotes_once_for_all_gapped_symbols", async () => {
    const { store, feed, fetchQuotes } = setup();
    feed.handle(tick("FPT", 1));
    feed.handle(tick("VNM", 1));
    // Given ticks were lost on two symbols in quick succession
    feed.handle(tick("FPT", 5));
    feed.handle(tick("VNM", 3));
    feed.handle(tick("FPT", 8));
    expect(fetchQuotes).not.toHaveBeenCalled();
    // When the debounce elapses
    await vi.advanceTimersByTimeAsync(100);
    // Then one REST call covers both, and its quotes land in the store
    expect(fetchQuotes).toHaveBeenCalledTimes(1);
    expect(fetchQuotes.mock.calls[0]![0].sort()).toEqual(["FPT", "VNM"]);
    expect(store.getState().quotes.FPT!.price).toBe("123000");
    expect(feed.refetches).toBe(1);
  });

  test("test_consecutive_ticks_never_refetch", async () => {
    const { feed, fetchQuotes } = setup();
    for (let seq = 1; seq <= 20; seq++) feed.handle(tick("HPG", seq));
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetchQuotes).not.toHaveBeenCalled();
  });

  test("test_after_a_reconnect_the_next_tick_is_a_new_baseline_not_a_gap", async () => {
    const { feed, fetchQuotes } = setup();
    feed.handle(tick("FPT", 1));
    feed.reconnected();
    feed.handle(tick("FPT", 40));
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetchQuotes).not.toHaveBeenCalled();
  });

  test("test_other_messages_are_passed_on", () => {
    const { feed, other } = setup();
    const alert = { type: "alert" as const, id: 1, symbol: "FPT", condition: "above", threshold: "1", triggered_at: null, triggered_price: "2" };
    feed.handle(alert);
    feed.handle({ type: "pong" });
    expect(other).toHaveBeenCalledTimes(1);
    expect(other).toHaveBeenCalledWith(alert);
  });
});
