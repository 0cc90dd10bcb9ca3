// Ordering of the price board: pinned symbols first (in the order they were pinned), then the rest,
// each group sorted by the chosen column; a filter keeps the symbols whose code or name matches.
import type { BoardRow } from "@/lib/api/types";
import { levels } from "./store";

export const SORT_COLUMNS = [
  "symbol",
  "reference",
  "ceiling",
  "floor",
  "bid3",
  "bid2",
  "bid1",
  "last",
  "change",
  "change_pct",
  "last_volume",
  "ask1",
  "ask2",
  "ask3",
  "volume",
  "high",
  "low",
  "foreign_buy",
  "foreign_sell",
] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];
export type SortDirection = "asc" | "desc";
export type Sort = { column: SortColumn; direction: SortDirection } | null;

function num(value: unknown): number | null {
  if (value === null || value === undefined || value === "") return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** The value a column sorts by (a number, or the symbol's text). */
export function sortValue(row: BoardRow, column: SortColumn): number | string | null {
  switch (column) {
    case "symbol":
      return row.symbol;
    case "reference":
      return num(row.reference_price);
    case "ceiling":
      return num(row.ceiling_price);
    case "floor":
      return num(row.floor_price);
    case "last":
      return num(row.price);
    case "change":
      return num(row.change);
    case "change_pct":
      return num(row.change_pct);
    case "last_volume":
      return num(row.last_volume);
    case "volume":
      return num(row.volume);
    case "high":
      return num(row.high);
    case "low":
      return num(row.low);
    case "foreign_buy":
      return num(row.foreign_buy);
    case "foreign_sell":
      return num(row.foreign_sell);
    default: {
      const side = column.startsWith("bid") ? row.bids : row.asks;
      return num(levels(side)[Number(column.slice(3)) - 1]?.price);
    }
  }
}

function compare(a: number | string | null, b: number | string | null, direction: SortDirection): number {
  // Empty cells go last whichever the direction.
  if (a === null && b === null) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  const order = typeof a === "string" || typeof b === "string" ? String(a).localeCompare(String(b)) : a - b;
  return direction === "asc" ? order : -order;
}

/** Lower-case, without Vietnamese accents (đ -> d), for the filter. */
export function fold(text: string): string {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
}

export function filterRows<T extends BoardRow>(rows: readonly T[], query: string): T[] {
  const words = fold(query).split(/[\s,]+/).filter(Boolean);
  if (!words.length) return [...rows];
  return rows.filter((row) => {
    const symbol = row.symbol.toLowerCase();
    const name = fold(row.name ?? "");
    return words.some((w) => symbol.startsWith(w)) || words.every((w) => symbol.includes(w) || name.includes(w));
  });
}

/** Pinned rows first in pin order (unless a sort is chosen: then sorted among themselves), then the rest. */
export function orderRows<T extends BoardRow>(rows: readonly T[], sort: Sort, pinned: readonly string[]): T[] {
  const pinIndex = new Map(pinned.map((s, i) => [s, i]));
  const top = rows.filter((r) => pinIndex.has(r.symbol));
  const rest = rows.filter((r) => !pinIndex.has(r.symbol));
  if (sort) {
    const by = (a: T, b: T) => compare(sortValue(a, sort.column), sortValue(b, sort.column), sort.direction) || a.symbol.localeCompare(b.symbol);
    top.sort(by);
    rest.sort(by);
  } else {
    top.sort((a, b) => pinIndex.get(a.symbol)! - pinIndex.get(b.symbol)!);
  }
  return [...top, ...rest];
}

/** Click on a header: first descending for numbers (ascending for the symbol), then the other way, then off. */
export function nextSort(current: Sort, column: SortColumn): Sort {
  const first: SortDirection = column === "symbol" ? "asc" : "desc";
  if (!current || current.column !== column) return { column, direction: first };
  if (current.direction === first) return { column, direction: first === "asc" ? "desc" : "asc" };
  return null;
}
