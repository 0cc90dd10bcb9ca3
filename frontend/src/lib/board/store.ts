// The price board's live rows. Websocket `quote` frames are queued as they arrive and applied once
// per animation frame (several frames for a symbol within one frame coalesce into one update), so
// 400 symbols moving every second cost one React render per frame, not one per message. Each cell
// that changed gets its flash counter bumped, so the table can restart its flash animation.
// Framework-free (a subscribe/getSnapshot pair for useSyncExternalStore) so unit tests drive it.
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

/** A board row as shown: the REST/websocket row, with per-cell flash counters and direction. */
export type BoardRowState = BoardRow & {
  /** Cell key (a field, or `bid1`…`ask3` for a level) -> how many times it changed. */
  flashes: Record<string, number>;
  /** Direction of the last price move, for the flash colour. */
  direction: "up" | "down" | null;
};

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
  /** flushes (renders asked for) */
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

function sameLevels(a: unknown[][] | null | undefined, b: unknown[][] | null | undefined, index: number): boolean {
  const x = a?.[index];
  const y = b?.[index];
  return String(x?.[0] ?? "") === String(y?.[0] ?? "") && String(x?.[1] ?? "") === String(y?.[1] ?? "");
}

function withFlashes(previous: BoardRowState | undefined, next: BoardRow): BoardRowState {
  const flashes = { ...(previous?.flashes ?? {}) };
  let direction = previous?.direction ?? null;
  if (previous) {
    for (const field of LIVE_FIELDS) {
      if (field === "bids" || field === "asks" || field === "as_of" || field === "seq") continue;
      if (String(previous[field] ?? "") !== String(next[field] ?? "")) flashes[field] = (flashes[field] ?? 0) + 1;
    }
    for (const side of ["bids", "asks"] as const) {
      for (let i = 0; i < 3; i++) {
        if (!sameLevels(previous[side], next[side], i)) {
          const key = `${side === "bids" ? "bid" : "ask"}${i + 1}`;
          flashes[key] = (flashes[key] ?? 0) + 1;
        }
      }
    }
    const a = Number(next.price);
    const b = Number(previous.price);
    if (Number.isFinite(a) && Number.isFinite(b) && a !== b) direction = a > b ? "up" : "down";
  }
  return { ...next, flashes, direction };
}

export class BoardStore {
  private rows = new Map<string, BoardRowState>();
  private order: string[] = [];
  private pending = new Map<string, BoardQuoteMessage>();
  private handle: unknown = null;
  private listeners = new Set<() => void>();
  private snapshot: BoardRowState[] = [];
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

  /** The rows in the list's order; a new array after every change (stable between changes). */
  getSnapshot = (): BoardRowState[] => this.snapshot;

  /** A whole board (REST answer or the stream's `board` frame): replaces the rows. */
  setRows(list: string, symbols: string[], rows: BoardRow[]): void {
    const sameList = list === this.list;
    const previous = this.rows;
    this.list = list;
    this.symbols = symbols;
    this.rows = new Map();
    for (const row of rows) this.rows.set(row.symbol, withFlashes(sameList ? previous.get(row.symbol) : undefined, row));
    this.order = rows.map((r) => r.symbol);
    if (!sameList) this.clearPending();
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
    let changed = false;
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
      this.rows.set(symbol, withFlashes(current, next));
      changed = true;
    }
    this.pending.clear();
    if (changed) {
      this.stats.flushes += 1;
      this.publish();
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

  private publish(): void {
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
