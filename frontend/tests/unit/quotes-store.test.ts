import { describe, expect, test } from "vitest";
import type { Quote } from "@/lib/api/types";
import type { TickMessage } from "@/lib/realtime/protocol";
import { createQuotesStore, RECENT_TICKS } from "@/stores/quotes";

const quote = (overrides: Partial<Quote> = {}): Partial<Quote> & { symbol: string } => ({
  symbol: "FPT",
  price: "100000",
  reference_price: "99000",
  change: "1000",
  change_pct: "1.01",
  volume: 5000,
  as_of: "2026-11-27T03:00:00Z",
  source: "simulated",
  ...overrides,
});

const tick = (overrides: Partial<TickMessage> = {}): TickMessage => ({
  type: "tick",
  symbol: "FPT",
  price: "100100",
  change: "1100",
  change_pct: "1.11",
  volume: 200,
  ts: "2026-11-27T03:00:05Z",
  seq: 7,
  source: "simulated",
  ...overrides,
});

describe("quotes store", () => {
  test("test_a_tick_moves_the_price_sets_the_direction_and_bumps_the_flash", () => {
    const store = createQuotesStore();
    store.getState().applyQuotes([quote()]);
    expect(store.getState().applyTick(tick())).toBe("up");
    const live = store.getState().quotes.FPT!;
    expect(live).toMatchObject({ price: "100100", change: "1100", direction: "up", flash: 1, seq: 7, reference_price: "99000" });
    store.getState().applyTick(tick({ price: "99900", seq: 8 }));
    expect(store.getState().quotes.FPT).toMatchObject({ direction: "down", flash: 2 });
  });

  test("test_tick_volume_adds_to_the_day_volume_and_lands_in_recent_ticks", () => {
    const store = createQuotesStore();
    store.getState().applyQuotes([quote({ volume: 5000 })]);
    store.getState().applyTick(tick({ volume: 300 }));
    expect(store.getState().quotes.FPT!.volume).toBe(5300);
    expect(store.getState().ticks.FPT![0]).toMatchObject({ seq: 7, price: "100100", volume: 300, direction: "up" });
  });

  test("test_recent_ticks_are_newest_first_and_capped", () => {
    const store = createQuotesStore();
    for (let seq = 1; seq <= RECENT_TICKS + 10; seq++) store.getState().applyTick(tick({ seq }));
    const ticks = store.getState().ticks.FPT!;
    expect(ticks).toHaveLength(RECENT_TICKS);
    expect(ticks[0]!.seq).toBe(RECENT_TICKS + 10);
  });

  test("test_an_older_rest_quote_does_not_roll_back_a_newer_tick", () => {
    const store = createQuotesStore();
    store.getState().applyTick(tick({ price: "101000", ts: "2026-11-27T03:00:10Z" }));
    store.getState().applyQuotes([quote({ price: "100000", as_of: "2026-11-27T03:00:00Z", ceiling_price: "105900" })]);
    const live = store.getState().quotes.FPT!;
    expect(live.price).toBe("101000");
    expect(live.ceiling_price).toBe("105900");
  });

  test("test_the_last_source_is_remembered_for_the_simulated_badge", () => {
    const store = createQuotesStore();
    expect(store.getState().lastSource).toBeNull();
    store.getState().applyQuotes([quote({ source: "simulated" })]);
    expect(store.getState().lastSource).toBe("simulated");
    store.getState().applyTick(tick({ source: "vnstock" }));
    expect(store.getState().lastSource).toBe("vnstock");
  });
});
