import { describe, expect, test } from "vitest";
import { loadPins, PINS_KEY, savePins, togglePin } from "@/lib/board/pins";
import { filterRows, nextSort, orderRows, sortValue } from "@/lib/board/sort";
import { boardRow } from "./board-fixtures";

const rows = [
  boardRow("VNM", { name: "Công ty Cổ phần Sữa Việt Nam", price: "60000", change_pct: "-0.50", volume: 300, bids: [["59900", 1]] }),
  boardRow("FPT", { name: "Công ty Cổ phần FPT", price: "120000", change_pct: "2.10", volume: 100, bids: [] }),
  boardRow("HPG", { name: "Tập đoàn Hòa Phát", price: "25000", change_pct: "0.00", volume: 200, bids: [["24950", 5]] }),
];
const symbols = (list: { symbol: string }[]) => list.map((r) => r.symbol);

describe("board sorting", () => {
  test("sorts by a number column both ways, empty cells last", () => {
    expect(symbols(orderRows(rows, { column: "last", direction: "desc" }, []))).toEqual(["FPT", "VNM", "HPG"]);
    expect(symbols(orderRows(rows, { column: "change_pct", direction: "asc" }, []))).toEqual(["VNM", "HPG", "FPT"]);
    expect(symbols(orderRows(rows, { column: "bid1", direction: "asc" }, []))).toEqual(["HPG", "VNM", "FPT"]);
    expect(symbols(orderRows(rows, { column: "bid1", direction: "desc" }, []))).toEqual(["VNM", "HPG", "FPT"]);
    expect(sortValue(rows[1]!, "bid1")).toBeNull();
  });

  test("sorts by symbol, and without a sort keeps the list's order", () => {
    expect(symbols(orderRows(rows, { column: "symbol", direction: "asc" }, []))).toEqual(["FPT", "HPG", "VNM"]);
    expect(symbols(orderRows(rows, null, []))).toEqual(["VNM", "FPT", "HPG"]);
  });

  test("pinned symbols come first, in pin order or sorted among themselves", () => {
    expect(symbols(orderRows(rows, null, ["HPG", "FPT"]))).toEqual(["HPG", "FPT", "VNM"]);
    expect(symbols(orderRows(rows, { column: "volume", direction: "desc" }, ["HPG", "FPT"]))).toEqual(["HPG", "FPT", "VNM"]);
    expect(symbols(orderRows(rows, { column: "volume", direction: "asc" }, ["HPG", "FPT"]))).toEqual(["FPT", "HPG", "VNM"]);
    expect(symbols(orderRows(rows, null, ["XYZ"]))).toEqual(["VNM", "FPT", "HPG"]);
  });

  test("a header click cycles: first direction, the other, off", () => {
    expect(nextSort(null, "last")).toEqual({ column: "last", direction: "desc" });
    expect(nextSort({ column: "last", direction: "desc" }, "last")).toEqual({ column: "last", direction: "asc" });
    expect(nextSort({ column: "last", direction: "asc" }, "last")).toBeNull();
    expect(nextSort(null, "symbol")).toEqual({ column: "symbol", direction: "asc" });
    expect(nextSort({ column: "last", direction: "asc" }, "volume")).toEqual({ column: "volume", direction: "desc" });
  });

  test("the filter matches a symbol prefix or words of the name without accents", () => {
    expect(symbols(filterRows(rows, "fp"))).toEqual(["FPT"]);
    expect(symbols(filterRows(rows, "sua"))).toEqual(["VNM"]);
    expect(symbols(filterRows(rows, "hoa phat"))).toEqual(["HPG"]);
    expect(symbols(filterRows(rows, "vnm, hpg"))).toEqual(["VNM", "HPG"]);
    expect(symbols(filterRows(rows, "  "))).toEqual(["VNM", "FPT", "HPG"]);
  });
});

describe("board pins", () => {
  function memory(initial: Record<string, string> = {}) {
    const data = { ...initial };
    return { getItem: (k: string) => data[k] ?? null, setItem: (k: string, v: string) => void (data[k] = v), data };
  }

  test("toggle appends and removes", () => {
    expect(togglePin([], "FPT")).toEqual(["FPT"]);
    expect(togglePin(["FPT", "VNM"], "HPG")).toEqual(["FPT", "VNM", "HPG"]);
    expect(togglePin(["FPT", "VNM"], "FPT")).toEqual(["VNM"]);
  });

  test("round-trips through storage and ignores junk", () => {
    const store = memory();
    savePins(["FPT", "VNM"], store);
    expect(store.data[PINS_KEY]).toBe('["FPT","VNM"]');
    expect(loadPins(store)).toEqual(["FPT", "VNM"]);
    expect(loadPins(memory({ [PINS_KEY]: "not json" }))).toEqual([]);
    expect(loadPins(memory({ [PINS_KEY]: '{"a":1}' }))).toEqual([]);
    expect(loadPins(memory({ [PINS_KEY]: '["FPT", 3, "<b>", "FPT"]' }))).toEqual(["FPT"]);
    expect(loadPins(null)).toEqual([]);
  });
});
