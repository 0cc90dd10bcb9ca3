// The price board's live rows. Websocket `quote` frames are queued as they arrive and applied once
// per animation frame (several frames for a symbol within one frame coalesce into one update).
// Two kinds of listeners: `subscribe`/`getSnapshot` (for useSyncExternalStore) hear of the row SET
// only (a new board, or `refresh()`), so React renders when the rows or their order may change, not
// on every quote; `subscribeUpdates` hears, once per frame, which rows changed, and the board paints
// those straight into the mounted cells (components/board/board-painter.ts).
// Framework-free so unit tests drive it.
import type { BoardRow } from "@/lib/api/types";

export type BoardLevel = { price: string | null; volume: number | null };

/** A `quote` frame of the market stream for a board symbol (README, Realtime). */
export type BoardQuoteMessage = {
  type: "quote";
  symbol: string;
  price?: string | null;
  change?: string | null;
  change_pct?: string | null;
  open?: string | null;
  high?: string | null;
  low?: string | null;
  volume?: number | null;
  value?: string | null;
  last_volume?: number | null;
  bids?: unknown[][] | null;
  asks?: unknown[][] | null;
  foreign_buy?: number | null;
  foreign_sell?: number | null;
  as_of?: string | null;
  seq?: number | null;
};

/** The fields a quote frame may move (reference, ceiling and floor do not change in a session). */
export const LIVE_FIELDS = [
  "price",
  "change",
  "change_pct",
  "open",
  "high",
  "low",
  "volume",
  "value",
  "last_volume",
  "bids",
  "asks",
  "foreign_buy",
  "foreign_sell",
  "as_of",
  "seq",
] as const;
type LiveField = (typeof LIVE_FIELDS)[number];

/** A board row as shown: the REST/websocket row and the direction of its last price move. */
export type BoardRowState = BoardRow & {
  direction: "up" | "down" | null;
};

/** Told once per applied batch which rows changed (`flash`: false when a whole board replaced them). */
export type BoardUpdateListener = (rows: readonly BoardRowState[], options: { flash: boolean }) => void;

export type Scheduler = { request: (callback: () => void) => unknown; cancel: (handle: unknown) => void };

const animationFrame: Scheduler = {
  request: (cb) => (typeof requestAnimationFrame === "function" ? requestAnimationFrame(() => cb()) : setTimeout(cb, 16)),
  cancel: (h) => (typeof cancelAnimationFrame === "function" ? cancelAnimationFrame(h as number) : clearTimeout(h as ReturnType<typeof setTimeout>)),
};

export type BoardStats = {
  /** quote frames received */
  received: number;
  /** frames merged into a pending update of the same symbol before it was applied */
  coalesced: number;
  /** frames for symbols not on the board, or not newer than what is shown */
  ignored: number;
  /** batches applied (one per animation frame with updates) */
  flushes: number;
};

export function levels(side: unknown[][] | null | undefined): BoardLevel[] {
  const out: BoardLevel[] = [];
  for (let i = 0; i < 3; i++) {
    const level = side?.[i];
    out.push({ price: level && level[0] != null ? String(level[0]) : null, volume: level && level[1] != null ? Number(level[1]) : null });
  }
  return out;
}

function withDirection(previous: BoardRowState | undefined, next: BoardRow): BoardRowState {
  let direction = previous?.direction ?? null;
  if (previous) {
    const a = Number(next.price);
    const b = Number(previous.price);
    if (Number.isFinite(a) && Number.isFinite(b) && a !== b) direction = a > b ? "up" : "down";
  }
  return { ...next, direction };
}

export class BoardStore {
  private rows = new Map<string, BoardRowState>();
  private order: string[] = [];
  private pending = new Map<string, BoardQuoteMessage>();
  private handle: unknown = null;
  private listeners = new Set<() => void>();
  private updateListeners = new Set<BoardUpdateListener>();
  private snapshot: BoardRowState[] = [];
  /** Rows changed since the snapshot was taken. */
  private changedSinceSnapshot = false;
  private readonly scheduler: Scheduler;
  list: string | null = null;
  /** Every symbol of the list (some may have no quote yet, hence no row). */
  symbols: string[] = [];
  readonly stats: BoardStats = { received: 0, coalesced: 0, ignored: 0, flushes: 0 };

  constructor(scheduler: Scheduler = animationFrame) {
    this.scheduler = scheduler;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Hear once per applied batch which rows changed (the cells to paint). */
  subscribeUpdates = (listener: BoardUpdateListener): (() => void) => {
    this.updateListeners.add(listener);
    return () => {
      this.updateListeners.delete(listener);
    };
  };

  /**
   * The rows in the list's order, as of the last new board or `refresh()` (a new array then, the
   * same one in between): what to render and sort. The live values are `row(symbol)`.
   */
  getSnapshot = (): BoardRowState[] => this.snapshot;

  /** A symbol's current row. */
  row(symbol: string): BoardRowState | undefined {
    return this.rows.get(symbol);
  }

  /** Take a new snapshot (for a sort by a live column) if a row changed since the last one. */
  refresh(): boolean {
    if (!this.changedSinceSnapshot) return false;
    this.publish();
    return true;
  }

  /** A whole board (REST answer or the stream's `board` frame): replaces the rows. */
  setRows(list: string, symbols: string[], rows: BoardRow[]): void {
    const sameList = list === this.list;
    const previous = this.rows;
    this.list = list;
    this.symbols = symbols;
    this.rows = new Map();
    for (const row of rows) this.rows.set(row.symbol, withDirection(sameList ? previous.get(row.symbol) : undefined, row));
    this.order = rows.map((r) => r.symbol);
    if (!sameList) this.clearPending();
    this.notify([...this.rows.values()], sameList);
    this.publish();
  }

  clear(): void {
    this.list = null;
    this.symbols = [];
    this.rows = new Map();
    this.order = [];
    this.clearPending();
    this.publish();
  }

  /** Queue a `quote` frame; applied with the others at the next animation frame. */
  enqueue(message: BoardQuoteMessage): void {
    this.stats.received += 1;
    const symbol = message.symbol;
    if (!this.rows.has(symbol)) {
      this.stats.ignored += 1;
      return;
    }
    const waiting = this.pending.get(symbol);
    if (waiting) {
      this.stats.coalesced += 1;
      this.pending.set(symbol, { ...waiting, ...definedOnly(message) });
    } else this.pending.set(symbol, message);
    if (this.handle === null) this.handle = this.scheduler.request(() => this.flush());
  }

  /** Apply every queued frame now (the scheduler calls this once per frame). */
  flush(): void {
    this.handle = null;
    if (!this.pending.size) return;
    const changed: BoardRowState[] = [];
    for (const [symbol, message] of this.pending) {
      const current = this.rows.get(symbol);
      if (!current) continue;
      if (message.as_of && current.as_of && Date.parse(message.as_of) < Date.parse(current.as_of)) {
        this.stats.ignored += 1;
        continue;
      }
      const next: BoardRow = { ...current };
      for (const field of LIVE_FIELDS) {
        if (field in message && message[field as LiveField] !== undefined) {
          (next as Record<string, unknown>)[field] = message[field as LiveField];
        }
      }
      // A book-only update carries last_volume null: keep showing the last trade's volume.
      if (message.last_volume == null) next.last_volume = current.last_volume;
      const row = withDirection(current, next);
      this.rows.set(symbol, row);
      changed.push(row);
    }
    this.pending.clear();
    if (changed.length) {
      this.stats.flushes += 1;
      this.changedSinceSnapshot = true;
      this.notify(changed, true);
    }
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  private clearPending(): void {
    if (this.handle !== null) this.scheduler.cancel(this.handle);
    this.handle = null;
    this.pending.clear();
  }

  private notify(rows: readonly BoardRowState[], flash: boolean): void {
    for (const listener of this.updateListeners) listener(rows, { flash });
  }

  private publish(): void {
    this.changedSinceSnapshot = false;
    this.snapshot = this.order.map((s) => this.rows.get(s)!).filter(Boolean);
    for (const listener of this.listeners) listener();
  }
}

function definedOnly(message: BoardQuoteMessage): Partial<BoardQuoteMessage> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message)) if (value !== undefined) out[key] = value;
  // A later book-only frame must not erase the earlier trade's volume in the same batch.
  if (message.last_volume == null) delete out.last_volume;
  return out as Partial<BoardQuoteMessage>;
}
