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
  test("batches quote frames into one update per animation frame, without a render", () => {
    const frames = manualFrames();
    const store = new BoardStore(frames.scheduler);
    store.setRows("VN30", ["FPT", "VNM"], [boardRow("FPT"), boardRow("VNM")]);
    let renders = 0;
    store.subscribe(() => (renders += 1));
    const batches: string[][] = [];
    store.subscribeUpdates((rows, { flash }) => {
      expect(flash).toBe(true);
      batches.push(rows.map((r) => r.symbol));
    });
    const before = store.getSnapshot();

    store.enqueue(quote("FPT"));
    store.enqueue(quote("VNM", { price: "98000", change: "-1000", change_pct: "-1.01" }));
    store.enqueue(quote("FPT", { price: "100200", as_of: "2026-12-07T03:00:06Z", seq: 12, last_volume: 300 }));
    expect(frames.pending()).toBe(1);
    expect(batches).toEqual([]);

    frames.run();
    // One batch for the painter; the row set did not change, so no render and the same snapshot.
    expect(batches).toEqual([["FPT", "VNM"]]);
    expect(renders).toBe(0);
    expect(store.getSnapshot()).toBe(before);
    const fpt = store.row("FPT")!;
    const vnm = store.row("VNM")!;
    expect(fpt.price).toBe("100200");
    expect(fpt.last_volume).toBe(300);
    expect(fpt.seq).toBe(12);
    expect(fpt.direction).toBe("up");
    expect(vnm.price).toBe("98000");
    expect(vnm.direction).toBe("down");
    expect(store.stats).toMatchObject({ received: 3, coalesced: 1, flushes: 1 });
  });

  test("refresh() takes a new snapshot with the live values, only when a row changed", () => {
    const frames = manualFrames();
    const store = new BoardStore(frames.scheduler);
    store.setRows("VN30", ["FPT", "VNM"], [boardRow("FPT"), boardRow("VNM")]);
    let renders = 0;
    store.subscribe(() => (renders += 1));
    const before = store.getSnapshot();
    expect(store.refresh()).toBe(false);
    expect(renders).toBe(0);

    store.enqueue(quote("VNM", { price: "101000" }));
    frames.run();
    expect(store.getSnapshot()[1]!.price).toBe("100000");
    expect(store.refresh()).toBe(true);
    expect(renders).toBe(1);
    expect(store.getSnapshot()).not.toBe(before);
    expect(store.getSnapshot()[1]!.price).toBe("101000");
    // Untouched rows keep their identity.
    expect(store.getSnapshot()[0]).toBe(before[0]);
    expect(store.refresh()).toBe(false);
  });

  test("a new board tells the painter (no flash for another list) and renders", () => {
    const frames = manualFrames();
    const store = new BoardStore(frames.scheduler);
    const batches: [string[], boolean][] = [];
    store.subscribeUpdates((rows, { flash }) => batches.push([rows.map((r) => r.symbol), flash]));
    store.setRows("VN30", ["FPT"], [boardRow("FPT")]);
    store.setRows("VN30", ["FPT"], [boardRow("FPT", { price: "99000" })]);
    store.setRows("HNX30", ["SHS"], [boardRow("SHS")]);
    expect(batches).toEqual([
      [["FPT"], false],
      [["FPT"], true],
      [["SHS"], false],
    ]);
    expect(store.row("FPT")).toBeUndefined();
  });

  test("a book-only frame keeps the last trade's volume, also within one batch", () => {
    const frames = manualFrames();
    const store = new BoardStore(frames.scheduler);
    store.setRows("VN30", ["FPT"], [boardRow("FPT")]);
    store.enqueue(quote("FPT", { last_volume: 400 }));
    store.enqueue(quote("FPT", { last_volume: null, as_of: "2026-12-07T03:00:07Z", asks: [["100300", 10]] }));
    frames.run();
    expect(store.row("FPT")!.last_volume).toBe(400);
    store.enqueue(quote("FPT", { last_volume: null, as_of: "2026-12-07T03:00:08Z" }));
    frames.run();
    expect(store.row("FPT")!.last_volume).toBe(400);
  });

  test("ignores frames for symbols not on the board and frames older than the row", () => {
    const frames = manualFrames();
    const store = new BoardStore(frames.scheduler);
    store.setRows("VN30", ["FPT"], [boardRow("FPT")]);
    store.enqueue(quote("HPG"));
    expect(frames.pending()).toBe(0);
    store.enqueue(quote("FPT", { price: "1", as_of: "2026-12-07T02:59:00Z" }));
    frames.run();
    expect(store.row("FPT")!.price).toBe("100000");
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
    expect(store.getSnapshot()[0]!.direction).toBeNull();
  });
});
