// What each cell of a price-board row shows: its text, its colour (ceiling purple, floor cyan,
// reference yellow, up green, down red) and the number behind it (to tell a rise from a fall when it
// flashes). Pure functions of a row, so the painter and the tests share them.
import { levels, type BoardRowState } from "@/lib/board/store";
import { priceTone, toNumber, type PriceTone } from "@/lib/format";
import { BOARD_COLUMNS, type BoardColumn } from "./board-columns";

export type Cell = { text: string; tone: PriceTone; value: number | null };

export type BoardFormatters = { price: (v: unknown) => string; volume: (v: unknown) => string; pct: (v: unknown) => string };

type NumberFormat = (value: number, options?: { signed?: boolean; digits?: number }) => string;

/** Prices in thousands of VND with two decimals, as the exchanges' boards show them; 0 or none is blank. */
export function boardFormatters(formatNumber: NumberFormat): BoardFormatters {
  return {
    price: (v) => {
      const n = toNumber(v as string);
      return n === null || n === 0 ? "" : formatNumber(n / 1000, { digits: 2 });
    },
    volume: (v) => {
      const n = toNumber(v as string);
      return n === null || n === 0 ? "" : formatNumber(n);
    },
    pct: (v) => {
      const n = toNumber(v as string);
      return n === null ? "" : `${formatNumber(n, { digits: 2, signed: true })}%`;
    },
  };
}

/** Each column's fixed classes (the painter adds the tone and the flash). */
export const CELL_BASE_CLASS: readonly string[] = BOARD_COLUMNS.map(
  (column) =>
    `board-cell tabular truncate px-1.5 ${column.kind === "symbol" ? "text-left font-semibold" : "text-right"}${column.group === "match" ? " bg-muted/40" : ""}`,
);

export function cellOf(row: BoardRowState, column: BoardColumn, f: BoardFormatters): Cell {
  const tone = (price: unknown): PriceTone => priceTone(price as string, row.reference_price, row.ceiling_price, row.floor_price);
  const num = (v: unknown) => toNumber(v as string);
  switch (column.key) {
    case "symbol":
      return { text: row.symbol, tone: tone(row.price), value: null };
    case "reference":
      return { text: f.price(row.reference_price), tone: "ref", value: num(row.reference_price) };
    case "ceiling":
      return { text: f.price(row.ceiling_price), tone: "ceiling", value: num(row.ceiling_price) };
    case "floor":
      return { text: f.price(row.floor_price), tone: "floor", value: num(row.floor_price) };
    case "last":
      return { text: f.price(row.price), tone: tone(row.price), value: num(row.price) };
    case "change":
      return { text: f.price(row.change), tone: tone(row.price), value: num(row.change) };
    case "change_pct":
      return { text: f.pct(row.change_pct), tone: tone(row.price), value: num(row.change_pct) };
    case "last_volume":
      return { text: f.volume(row.last_volume), tone: tone(row.price), value: num(row.last_volume) };
    case "volume":
    case "foreign_buy":
    case "foreign_sell":
      return { text: f.volume(row[column.key]), tone: "none", value: num(row[column.key]) };
    case "high":
    case "low":
      return { text: f.price(row[column.key]), tone: tone(row[column.key]), value: num(row[column.key]) };
    default: {
      // bid1 … ask3 and their _volume
      const side = column.key.startsWith("bid") ? "bid" : "ask";
      const lvl = levels(side === "bid" ? row.bids : row.asks)[Number(column.key.charAt(3)) - 1];
      const t = tone(lvl?.price);
      return column.key.endsWith("_volume")
        ? { text: f.volume(lvl?.volume), tone: t, value: lvl?.volume ?? null }
        : { text: f.price(lvl?.price), tone: t, value: num(lvl?.price) };
    }
  }
}
