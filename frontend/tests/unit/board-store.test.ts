import { describe, expect, test } from "vitest";
import { BoardStore, type BoardQuoteMessage, type Scheduler } from "@/lib/board/store";
import { boardRow } from "./board-fixtures";

/** A scheduler the test runs by hand: one "animation frame" per run(). */
function manualFrames() {
  const queue: (() => void)[] = [];
  const scheduler: Scheduler = {
    request: (cb) => queue.push(cb),
    cancel: () => queue.splice(0, queue.length),
  };
  return { scheduler, pending: () => queue.length, run: () => queue.splice(0, queue.length).forEach((cb) => cb()) };
}

const quote = (symbol: string, overrides: Partial<BoardQuoteMessage> = {}): BoardQuoteMessage => ({
  type: "quote",
  symbol,
  price: "100100",
  change: "1100",
  change_pct: "1.11",
  volume: 5200,
  last_volume: 200,
  as_of: "2026-12-07T03:00:05Z",
  seq: 11,
  ...overrides,
});

describe("BoardStore", () => {
  test("batches quote frames into one update per animation frame", () => {
    const frames = manualFrames();
    const store = new BoardStore(frames.scheduler);
    store.setRows("VN30", ["FPT", "VNM"], [boardRow("FPT"), boardRow("VNM")]);
    let renders = 0;
    store.subscribe(() => (renders += 1));
    const before = store.getSnapshot();

    store.enqueue(quote("FPT"));
    store.enqueue(quote("VNM", { price: "98000", change: "-1000", change_pct: "-1.01" }));
    store.enqueue(quote("FPT", { price: "100200", as_of: "2026-12-07T03:00:06Z", seq: 12, last_volume: 300 }));
    expect(frames.pending()).toBe(1);
    expect(renders).toBe(0);
    expect(store.getSnapshot()).toBe(before);

    frames.run();
    expect(renders).toBe(1);
    const [fpt, vnm] = store.getSnapshot();
    expect(fpt!.price).toBe("100200");
    expect(fpt!.last_volume).toBe(300);
    expect(fpt!.seq).toBe(12);
    expect(fpt!.direction).toBe("up");
    expect(vnm!.price).toBe("98000");
    expect(vnm!.direction).toBe("down");
    expect(store.stats).toMatchObject({ received: 3, coalesced: 1, flushes: 1 });
  });

  test("bumps the flash counter of the cells that changed only, and keeps untouched rows identical", () => {
    const frames = manualFrames();
    const store = new BoardStore(frames.scheduler);
    store.setRows("VN30", ["FPT", "VNM"], [boardRow("FPT"), boardRow("VNM")]);
    const vnmBefore = store.getSnapshot()[1];
    store.enqueue(quote("FPT", { bids: [["100000", 800], ["99800", 2000], ["99700", 3000]] }));
    frames.run();
    const fpt = store.getSnapshot()[0]!;
    expect(fpt.flashes.price).toBe(1);
    expect(fpt.flashes.volume).toBe(1);
    expect(fpt.flashes.bid1).toBe(1);
    expect(fpt.flashes.bid2).toBeUndefined();
    expect(fpt.flashes.high).toBeUndefined();
    expect(store.getSnapshot()[1]).toBe(vnmBefore);
  });

  test("a book-only frame keeps the last trade's volume, also within one batch", () => {
    const frames = manualFrames();
    const store = new BoardStore(frames.scheduler);
    store.setRows("VN30", ["FPT"], [boardRow("FPT")]);
    store.enqueue(quote("FPT", { last_volume: 400 }));
    store.enqueue(quote("FPT", { last_volume: null, as_of: "2026-12-07T03:00:07Z", asks: [["100300", 10]] }));
    frames.run();
    expect(store.getSnapshot()[0]!.last_volume).toBe(400);
    store.enqueue(quote("FPT", { last_volume: null, as_of: "2026-12-07T03:00:08Z" }));
    frames.run();
    expect(store.getSnapshot()[0]!.last_volume).toBe(400);
  });

  test("ignores frames for symbols not on the board and frames older than the row", () => {
    const frames = manualFrames();
    const store = new BoardStore(frames.scheduler);
    store.setRows("VN30", ["FPT"], [boardRow("FPT")]);
    store.enqueue(quote("HPG"));
    expect(frames.pending()).toBe(0);
    store.enqueue(quote("FPT", { price: "1", as_of: "2026-12-07T02:59:00Z" }));
    frames.run();
    expect(store.getSnapshot()[0]!.price).toBe("100000");
    expect(store.stats.ignored).toBe(2);
  });

  test("a new list drops what was queued for the old one", () => {
    const frames = manualFrames();
    const store = new BoardStore(frames.scheduler);
    store.setRows("VN30", ["FPT"], [boardRow("FPT")]);
    store.enqueue(quote("FPT"));
    store.setRows("HNX30", ["SHS"], [boardRow("SHS")]);
    frames.run();
    expect(store.pendingCount).toBe(0);
    expect(store.getSnapshot().map((r) => r.symbol)).toEqual(["SHS"]);
    expect(store.getSnapshot()[0]!.flashes).toEqual({});
  });
});
