// Paints the price board's live cells straight into the mounted rows. React renders a row's frame
// (the row, its pin button and empty cells) only when the row set, order, selection or scroll
// changes; the store's once-per-frame batch of changed rows comes here, and each cell whose text or
// colour changed gets its `textContent`/`className` written, nothing else. A cell whose text changed
// flashes: a class with a static background (green when its number rose, red when it fell) for
// FLASH_MS, set in the same frame as the new text and cleared by ONE sweep per frame over the
// flashing cells (no timer per cell, no CSS animation, no extra layer): at 400 updates/s an animated
// background repainted the grid every frame (bench/board.mjs in the README).
import type { BoardRowState, Scheduler } from "@/lib/board/store";
import { toneClass, type PriceTone } from "@/lib/format";
import { type BoardFormatters, CELL_BASE_CLASS, cellOf } from "./board-cells";
import { BOARD_COLUMNS } from "./board-columns";

export const FLASH_MS = 700;

type Flash = "up" | "down" | null;

type MountedRow = {
  symbol: string;
  cells: HTMLElement[];
  text: string[];
  tone: (PriceTone | null)[];
  value: (number | null)[];
  flash: Flash[];
  /** When each cell's flash ends (performance.now() time), 0 when not flashing. */
  until: number[];
};

const frames: Scheduler = {
  request: (cb) => (typeof requestAnimationFrame === "function" ? requestAnimationFrame(() => cb()) : setTimeout(cb, 16)),
  cancel: (h) => (typeof cancelAnimationFrame === "function" ? cancelAnimationFrame(h as number) : clearTimeout(h as ReturnType<typeof setTimeout>)),
};

export type BoardPainterOptions = {
  /** The current row of a symbol (the store's). */
  source: (symbol: string) => BoardRowState | undefined;
  formatters: BoardFormatters;
  scheduler?: Scheduler;
  now?: () => number;
  flashMs?: number;
};

export class BoardPainter {
  private mounted = new Map<string, MountedRow>();
  private flashing = new Set<MountedRow>();
  private handle: unknown = null;
  private formatters: BoardFormatters;
  private readonly source: (symbol: string) => BoardRowState | undefined;
  private readonly scheduler: Scheduler;
  private readonly now: () => number;
  private readonly flashMs: number;

  constructor(options: BoardPainterOptions) {
    this.source = options.source;
    this.formatters = options.formatters;
    this.scheduler = options.scheduler ?? frames;
    this.now = options.now ?? (() => performance.now());
    this.flashMs = options.flashMs ?? FLASH_MS;
  }

  /** A row's element is in the page: its `[role=gridcell]` children are BOARD_COLUMNS' cells, in order. */
  mount(symbol: string, element: HTMLElement): void {
    const cells = Array.from(element.querySelectorAll<HTMLElement>(':scope > [role="gridcell"]')).slice(0, BOARD_COLUMNS.length);
    const n = BOARD_COLUMNS.length;
    const row: MountedRow = {
      symbol,
      cells,
      text: Array<string>(n).fill(""),
      tone: Array<PriceTone | null>(n).fill(null),
      value: Array<number | null>(n).fill(null),
      flash: Array<Flash>(n).fill(null),
      until: Array<number>(n).fill(0),
    };
    const previous = this.mounted.get(symbol);
    if (previous) this.flashing.delete(previous);
    this.mounted.set(symbol, row);
    for (let i = 0; i < cells.length; i++) cells[i]!.textContent = "";
    const current = this.source(symbol);
    if (current) this.paint(row, current, false, 0);
    else for (let i = 0; i < cells.length; i++) cells[i]!.className = CELL_BASE_CLASS[i]!;
  }

  /** The row left the page (only if `element`'s row is still the one mounted for the symbol). */
  unmount(symbol: string, element: HTMLElement): void {
    const row = this.mounted.get(symbol);
    if (row && row.cells[0]?.parentElement === element) {
      this.mounted.delete(symbol);
      this.flashing.delete(row);
    }
  }

  /** New formatters (the language changed): repaint every mounted row. */
  setFormatters(formatters: BoardFormatters): void {
    if (formatters === this.formatters) return;
    this.formatters = formatters;
    for (const row of this.mounted.values()) {
      const current = this.source(row.symbol);
      if (current) this.paint(row, current, false, 0);
    }
  }

  /** The store's batch: repaint the rows that changed and are mounted; changed texts flash. */
  update = (rows: readonly BoardRowState[], options: { flash: boolean } = { flash: true }): void => {
    const now = options.flash ? this.now() : 0;
    for (const current of rows) {
      const row = this.mounted.get(current.symbol);
      if (row) this.paint(row, current, options.flash, now);
    }
  };

  /** Clear the flashes that are over (once per frame while any flashes). */
  sweep(now: number = this.now()): void {
    for (const row of this.flashing) {
      let still = false;
      for (let i = 0; i < row.until.length; i++) {
        const until = row.until[i]!;
        if (!until) continue;
        if (until <= now) {
          row.until[i] = 0;
          row.flash[i] = null;
          this.writeClass(row, i);
        } else still = true;
      }
      if (!still) this.flashing.delete(row);
    }
  }

  /** How many rows are mounted, and how many have a flashing cell (for tests). */
  get counts(): { mounted: number; flashing: number } {
    return { mounted: this.mounted.size, flashing: this.flashing.size };
  }

  private paint(row: MountedRow, current: BoardRowState, flash: boolean, now: number): void {
    let flashed = false;
    for (let i = 0; i < row.cells.length; i++) {
      const cell = cellOf(current, BOARD_COLUMNS[i]!, this.formatters);
      let classChanged = cell.tone !== row.tone[i];
      if (cell.text !== row.text[i]) {
        const before = row.value[i] ?? null;
        row.cells[i]!.textContent = cell.text;
        row.text[i] = cell.text;
        if (flash && cell.text) {
          const direction: Flash = before !== null && cell.value !== null && cell.value < before ? "down" : "up";
          if (row.flash[i] !== direction) classChanged = true;
          row.flash[i] = direction;
          row.until[i] = now + this.flashMs;
          flashed = true;
        }
      }
      row.value[i] = cell.value;
      row.tone[i] = cell.tone;
      if (classChanged) this.writeClass(row, i);
    }
    if (flashed) {
      this.flashing.add(row);
      if (this.handle === null) this.handle = this.scheduler.request(this.tick);
    }
  }

  private writeClass(row: MountedRow, i: number): void {
    const flash = row.flash[i];
    const tone = row.tone[i];
    row.cells[i]!.className = `${CELL_BASE_CLASS[i]} ${toneClass[tone ?? "none"]}${flash ? ` board-flash-${flash}` : ""}`;
  }

  private tick = (): void => {
    this.handle = null;
    this.sweep();
    if (this.flashing.size) this.handle = this.scheduler.request(this.tick);
  };
}
