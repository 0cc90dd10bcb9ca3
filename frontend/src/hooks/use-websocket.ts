"use client";
// useWebSocket: one managed websocket for a component tree.
// - auth: a single-use ticket from POST /api/auth/ws-ticket/ is fetched for every (re)connect and
//   passed as ?ticket= ("required" streams wait for a session; "optional" connect anonymously);
// - reconnects with exponential backoff and jitter; re-sends the subscriptions after reconnecting;
// - the caller handles messages (the market feed refetches quotes on a seq gap).
import { useEffect, useRef, useState } from "react";
import { api } from "@/lib/api/client";
import { getAccessToken } from "@/lib/api/session";
import type { WsTicket } from "@/lib/api/types";
import { RealtimeConnection, type ConnectionOptions, type SocketStatus, type WebSocketLike } from "@/lib/realtime/connection";
import type { ServerMessage } from "@/lib/realtime/protocol";

export type WebSocketAuth = "none" | "optional" | "required";

export type UseWebSocketOptions = {
  enabled?: boolean;
  auth?: WebSocketAuth;
  subscriptions?: boolean;
  onMessage: (message: ServerMessage) => void;
  onOpen?: (info: { reconnect: boolean }) => void;
  onStatus?: (status: SocketStatus) => void;
  fatalCloseCodes?: number[];
  pingIntervalMs?: number;
  /** For tests: build the socket and pick the origin. */
  createSocket?: (url: string) => WebSocketLike;
  origin?: string;
  fetchTicket?: () => Promise<string | null>;
  backoff?: ConnectionOptions["backoff"];
  /** Symbols wanted when the connection is created (later changes go through `connection`). */
  symbols?: () => string[];
  /** Changing this reconnects (e.g. the signed-in user, so the ticket matches). */
  reconnectKey?: string | number | null;
};

export function websocketOrigin(): string {
  if (typeof window === "undefined") return "";
  return `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}`;
}

export async function fetchWsTicket(): Promise<string | null> {
  const token = await getAccessToken();
  if (!token) return null;
  const { ticket } = await api<WsTicket>("/api/auth/ws-ticket/", { method: "POST" });
  return ticket;
}

export function useWebSocket(path: string, options: UseWebSocketOptions) {
  const [status, setStatus] = useState<SocketStatus>("idle");
  const latest = useRef(options);
  const connectionRef = useRef<RealtimeConnection | null>(null);
  useEffect(() => {
    latest.current = options;
  });

  const enabled = options.enabled ?? true;
  const auth = options.auth ?? "optional";
  const reconnectKey = options.reconnectKey ?? null;

  useEffect(() => {
    if (!enabled) return;
    const current = latest.current;
    const resolveUrl = async (): Promise<string | null> => {
      const base = `${current.origin ?? websocketOrigin()}${path}`;
      if (auth === "none") return base;
      let ticket: string | null = null;
      try {
        ticket = await (current.fetchTicket ?? fetchWsTicket)();
      } catch {
        ticket = null;
      }
      if (ticket) return `${base}${base.includes("?") ? "&" : "?"}ticket=${encodeURIComponent(ticket)}`;
      return auth === "required" ? null : base;
    };
    const connection = new RealtimeConnection({
      resolveUrl,
      subscriptions: current.subscriptions ?? false,
      createSocket: current.createSocket,
      fatalCloseCodes: current.fatalCloseCodes,
      pingIntervalMs: current.pingIntervalMs,
      backoff: current.backoff,
      onMessage: (message) => latest.current.onMessage(message),
      onOpen: (info) => latest.current.onOpen?.(info),
      onStatus: (next) => {
        setStatus(next);
        latest.current.onStatus?.(next);
      },
    });
    connectionRef.current = connection;
    const initial = current.symbols?.() ?? [];
    if (initial.length) connection.addSymbols(initial);
    connection.start();
    return () => {
      connection.stop();
      connectionRef.current = null;
    };
  }, [path, enabled, auth, reconnectKey]);

  return { status, connection: connectionRef };
}
