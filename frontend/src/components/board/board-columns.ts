// The price board's columns, as on the exchanges' boards: symbol, reference/ceiling/floor, three
// bid levels (price, volume), the last trade (price, change, %, volume), three ask levels, the
// session's volume, high, low, and foreign buy/sell.
import type { SortColumn } from "@/lib/board/sort";
import type boardMessages from "../../../messages/en/board.json";

export type ColumnKind = "symbol" | "price" | "volume" | "change" | "pct";
export type ColumnKey = keyof (typeof boardMessages)["col"];
export type ColumnGroup = keyof (typeof boardMessages)["group"];
export type BoardColumn = { key: ColumnKey; sort?: SortColumn; kind: ColumnKind; width: number; group: ColumnGroup };

const level = (side: "bid" | "ask", n: number): BoardColumn[] => [
  { key: `${side}${n}` as ColumnKey, sort: `${side}${n}` as SortColumn, kind: "price", width: 56, group: side },
  { key: `${side}${n}_volume` as ColumnKey, kind: "volume", width: 68, group: side },
];

export const BOARD_COLUMNS: BoardColumn[] = [
  { key: "symbol", sort: "symbol", kind: "symbol", width: 84, group: "symbol" },
  { key: "reference", sort: "reference", kind: "price", width: 56, group: "prices" },
  { key: "ceiling", sort: "ceiling", kind: "price", width: 56, group: "prices" },
  { key: "floor", sort: "floor", kind: "price", width: 56, group: "prices" },
  ...level("bid", 3),
  ...level("bid", 2),
  ...level("bid", 1),
  { key: "last", sort: "last", kind: "price", width: 60, group: "match" },
  { key: "change", sort: "change", kind: "change", width: 56, group: "match" },
  { key: "change_pct", sort: "change_pct", kind: "pct", width: 60, group: "match" },
  { key: "last_volume", sort: "last_volume", kind: "volume", width: 68, group: "match" },
  ...level("ask", 1),
  ...level("ask", 2),
  ...level("ask", 3),
  { key: "volume", sort: "volume", kind: "volume", width: 92, group: "session" },
  { key: "high", sort: "high", kind: "price", width: 56, group: "session" },
  { key: "low", sort: "low", kind: "price", width: 56, group: "session" },
  { key: "foreign_buy", sort: "foreign_buy", kind: "volume", width: 80, group: "foreign" },
  { key: "foreign_sell", sort: "foreign_sell", kind: "volume", width: 80, group: "foreign" },
];

export const GRID_TEMPLATE = `32px ${BOARD_COLUMNS.map((c) => `${c.width}px`).join(" ")}`;
export const BOARD_WIDTH = 32 + BOARD_COLUMNS.reduce((sum, c) => sum + c.width, 0);
