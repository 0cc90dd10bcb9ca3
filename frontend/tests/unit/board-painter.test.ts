import { describe, expect, test } from "vitest";
import { boardFormatters } from "@/components/board/board-cells";
import { BOARD_COLUMNS, type ColumnKey } from "@/components/board/board-columns";
import { BoardPainter, FLASH_MS } from "@/components/board/board-painter";
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

const formatters = boardFormatters((n, { signed = false, digits = 0 } = {}) => `${signed && n > 0 ? "+" : ""}${n.toFixed(digits)}`);

/** The frame React renders for a row: a pin button, then one empty cell per column. */
function rowElement(): HTMLElement {
  const row = document.createElement("div");
  row.setAttribute("role", "row");
  row.append(document.createElement("button"));
  for (let i = 0; i < BOARD_COLUMNS.length; i++) {
    const cell = document.createElement("span");
    cell.setAttribute("role", "gridcell");
    row.append(cell);
  }
  document.body.append(row);
  return row;
}

const cell = (row: HTMLElement, key: ColumnKey) => row.querySelectorAll<HTMLElement>('[role="gridcell"]')[BOARD_COLUMNS.findIndex((c) => c.key === key)]!;

const quote = (symbol: string, overrides: Partial<BoardQuoteMessage> = {}): BoardQuoteMessage => ({
  type: "quote",
  symbol,
  price: "100100",
  change: "1100",
  change_pct: "1.11",
  as_of: "2026-12-07T03:00:05Z",
  ...overrides,
});

function setup() {
  const storeFrames = manualFrames();
  const paintFrames = manualFrames();
  let now = 1000;
  const store = new BoardStore(storeFrames.scheduler);
  store.setRows("VN30", ["FPT", "VNM"], [boardRow("FPT"), boardRow("VNM")]);
  const painter = new BoardPainter({ source: (s) => store.row(s), formatters, scheduler: paintFrames.scheduler, now: () => now });
  store.subscribeUpdates(painter.update);
  return { store, painter, storeFrames, paintFrames, advance: (ms: number) => (now += ms), now: () => now };
}

describe("BoardPainter", () => {
  test("a mounted row shows its row's values and colours, without a flash", () => {
    const { painter } = setup();
    const row = rowElement();
    painter.mount("FPT", row);
    expect(cell(row, "symbol").textContent).toBe("FPT");
    expect(cell(row, "last").textContent).toBe("100.00");
    expect(cell(row, "change_pct").textContent).toBe("+1.01%");
    expect(cell(row, "ceiling").className).toContain("text-ceiling");
    expect(cell(row, "floor").className).toContain("text-floor");
    expect(cell(row, "reference").className).toContain("text-ref");
    expect(cell(row, "last").className).toContain("text-up");
    expect(cell(row, "last").className).toContain("board-cell");
    expect(row.querySelectorAll('[class*="board-flash"]')).toHaveLength(0);
  });

  test("writes only the cells that changed, in the store's frame, and flashes them by direction", () => {
    const { store, painter, storeFrames } = setup();
    const row = rowElement();
    painter.mount("FPT", row);
    const observer = new MutationObserver(() => {});
    observer.observe(row, { subtree: true, childList: true, characterData: true, attributes: true });

    store.enqueue(quote("FPT", { price: "99500", change: "500", change_pct: "0.51", bids: [["99400", 1000], ["99800", 2000], ["99700", 3000]] }));
    expect(cell(row, "last").textContent).toBe("100.00");
    storeFrames.run();

    expect(cell(row, "last").textContent).toBe("99.50");
    expect(cell(row, "last").className).toContain("board-flash-down");
    expect(cell(row, "change").className).toContain("board-flash-down");
    expect(cell(row, "bid1").textContent).toBe("99.40");
    expect(cell(row, "bid1").className).toContain("board-flash-down");
    // bid1's volume and the other levels did not change: not written, not flashing.
    const touched = new Set(observer.takeRecords().map((r) => (r.target instanceof HTMLElement ? r.target : r.target.parentElement)));
    const keys = BOARD_COLUMNS.filter((c) => touched.has(cell(row, c.key))).map((c) => c.key);
    expect(keys.sort()).toEqual(["bid1", "change", "change_pct", "last"]);
    expect(cell(row, "bid1_volume").className).not.toContain("board-flash");

    store.enqueue(quote("FPT", { price: "100500", change: "1500", change_pct: "1.52", as_of: "2026-12-07T03:00:06Z" }));
    storeFrames.run();
    expect(cell(row, "last").className).toContain("board-flash-up");
    expect(cell(row, "last").className).not.toContain("board-flash-down");
  });

  test("one sweep per frame clears the flashes that are over, then stops asking for frames", () => {
    const { store, painter, storeFrames, paintFrames, advance } = setup();
    const row = rowElement();
    painter.mount("FPT", row);
    store.enqueue(quote("FPT"));
    storeFrames.run();
    expect(paintFrames.pending()).toBe(1);

    advance(FLASH_MS / 2);
    store.enqueue(quote("FPT", { change: "1200", as_of: "2026-12-07T03:00:06Z" }));
    storeFrames.run();
    expect(paintFrames.pending()).toBe(1);
    paintFrames.run();
    expect(cell(row, "last").className).toContain("board-flash-up");

    advance(FLASH_MS / 2);
    paintFrames.run();
    // The price's flash is over; the change flashed later and still does.
    expect(cell(row, "last").className).not.toContain("board-flash");
    expect(cell(row, "change").className).toContain("board-flash-up");
    expect(painter.counts.flashing).toBe(1);

    advance(FLASH_MS);
    paintFrames.run();
    expect(row.querySelectorAll('[class*="board-flash"]')).toHaveLength(0);
    expect(painter.counts.flashing).toBe(0);
    expect(paintFrames.pending()).toBe(0);
  });

  test("rows off screen are not painted; mounted later, they show the latest values without a flash", () => {
    const { store, painter, storeFrames, paintFrames } = setup();
    const fpt = rowElement();
    painter.mount("FPT", fpt);
    store.enqueue(quote("VNM", { price: "98000", change: "-1000", change_pct: "-1.01" }));
    storeFrames.run();
    expect(paintFrames.pending()).toBe(0);

    const vnm = rowElement();
    painter.mount("VNM", vnm);
    expect(cell(vnm, "last").textContent).toBe("98.00");
    expect(cell(vnm, "last").className).toContain("text-down");
    expect(vnm.querySelectorAll('[class*="board-flash"]')).toHaveLength(0);

    painter.unmount("FPT", fpt);
    store.enqueue(quote("FPT", { price: "101000" }));
    storeFrames.run();
    expect(cell(fpt, "last").textContent).toBe("100.00");
    expect(painter.counts.mounted).toBe(1);
  });

  test("another list's board repaints without flashing; new formatters repaint", () => {
    const { store, painter } = setup();
    const row = rowElement();
    painter.mount("FPT", row);
    store.setRows("HOSE", ["FPT", "VNM"], [boardRow("FPT", { price: "101000" }), boardRow("VNM")]);
    expect(cell(row, "last").textContent).toBe("101.00");
    expect(row.querySelectorAll('[class*="board-flash"]')).toHaveLength(0);

    painter.setFormatters(boardFormatters((n, { digits = 0 } = {}) => n.toFixed(digits).replace(".", ",")));
    expect(cell(row, "last").textContent).toBe("101,00");
  });
});
