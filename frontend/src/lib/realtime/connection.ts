// A websocket that stays connected: reconnects with exponential backoff and jitter, fetches a
// fresh URL (single-use ticket) for every attempt, keeps the connection alive with pings and
// re-sends the subscriptions after every reconnect. Framework-free so it can be unit tested.
import { parseServerMessage, type ClientMessage, type ServerMessage } from "./protocol";

export type SocketStatus = "idle" | "connecting" | "open" | "reconnecting" | "closed";

export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason?: string }) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type Backoff = { initialMs: number; maxMs: number; factor: number };

export type ConnectionOptions = {
  /** The URL for the next attempt (e.g. with a fresh ticket); null means "not now, retry later". */
  resolveUrl: () => Promise<string | null>;
  onMessage: (message: ServerMessage) => void;
  onStatus?: (status: SocketStatus) => void;
  onOpen?: (info: { reconnect: boolean }) => void;
  createSocket?: (url: string) => WebSocketLike;
  backoff?: Backoff;
  random?: () => number;
  pingIntervalMs?: number;
  /** Close codes after which retrying is pointless (e.g. 4403 foreign portfolio). */
  fatalCloseCodes?: number[];
  /** Whether this stream takes subscribe/unsubscribe actions (the market stream does). */
  subscriptions?: boolean;
};

const OPEN = 1;
export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000, factor: 2 };

/** Delay before reconnect attempt `attempt` (0-based): exponential, capped, with 50-100% jitter. */
export function backoffDelay(attempt: number, backoff: Backoff = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** attempt);
  return Math.round(base * (0.5 + random() * 0.5));
}

export class RealtimeConnection {
  private readonly options: ConnectionOptions;
  private readonly refcounts = new Map<string, number>();
  private socket: WebSocketLike | null = null;
  private attempt = 0;
  private running = false;
  private opened = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private generation = 0;
  status: SocketStatus = "idle";

  constructor(options: ConnectionOptions) {
    this.options = options;
  }

  get symbols(): string[] {
    return [...this.refcounts.keys()];
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.connect();
  }

  stop(): void {
    this.running = false;
    this.generation += 1;
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.onerror = null;
      socket.onopen = null;
      try {
        socket.close(1000, "client closing");
      } catch {
        // already closed
      }
    }
    this.setStatus("closed");
  }

  /** Count interest in symbols; newly wanted ones are subscribed at once when connected. */
  addSymbols(symbols: Iterable<string>): void {
    const added: string[] = [];
    for (const raw of symbols) {
      const symbol = raw.toUpperCase();
      const count = this.refcounts.get(symbol) ?? 0;
      this.refcounts.set(symbol, count + 1);
      if (count === 0) added.push(symbol);
    }
    if (added.length) this.send({ action: "subscribe", symbols: added });
  }

  removeSymbols(symbols: Iterable<string>): void {
    const removed: string[] = [];
    for (const raw of symbols) {
      const symbol = raw.toUpperCase();
      const count = this.refcounts.get(symbol);
      if (count === undefined) continue;
      if (count <= 1) {
        this.refcounts.delete(symbol);
        removed.push(symbol);
      } else this.refcounts.set(symbol, count - 1);
    }
    if (removed.length) this.send({ action: "unsubscribe", symbols: removed });
  }

  /** Send when open; dropped otherwise (subscriptions are replayed on (re)connect). */
  send(message: ClientMessage): boolean {
    if (!this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  private setStatus(status: SocketStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.options.onStatus?.(status);
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.retryTimer = null;
    this.pingTimer = null;
  }

  private async connect(): Promise<void> {
    const generation = this.generation;
    this.setStatus(this.opened ? "reconnecting" : "connecting");
    let url: string | null = null;
    try {
      url = await this.options.resolveUrl();
    } catch {
      url = null;
    }
    if (!this.running || generation !== this.generation) return;
    if (!url) {
      this.scheduleReconnect();
      return;
    }
    const create = this.options.createSocket ?? ((u: string) => new WebSocket(u) as unknown as WebSocketLike);
    let socket: WebSocketLike;
    try {
      socket = create(url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      const reconnect = this.opened;
      this.opened = true;
      this.attempt = 0;
      this.setStatus("open");
      if (this.options.subscriptions !== false && this.refcounts.size) {
        this.send({ action: "subscribe", symbols: this.symbols });
      }
      const every = this.options.pingIntervalMs ?? 25_000;
      if (every > 0) this.pingTimer = setInterval(() => this.send({ action: "ping" }), every);
      this.options.onOpen?.({ reconnect });
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      const message = parseServerMessage(event.data);
      if (message) this.options.onMessage(message);
    };
    socket.onerror = () => {
      // onclose follows and decides what to do
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.pingTimer) clearInterval(this.pingTimer);
      this.pingTimer = null;
      if (!this.running) {
        this.setStatus("closed");
        return;
      }
      if ((this.options.fatalCloseCodes ?? [4403]).includes(event.code)) {
        this.running = false;
        this.setStatus("closed");
        return;
      }
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (!this.running) return;
    this.setStatus(this.opened ? "reconnecting" : "connecting");
    const delay = backoffDelay(this.attempt, this.options.backoff, this.options.random);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
  }
}
