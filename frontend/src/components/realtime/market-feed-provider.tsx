"use client";
import { createContext, useContext, useEffect, useMemo, useRef } from "react";
import { useWebSocket } from "@/hooks/use-websocket";
import { fetchQuotes } from "@/lib/api/queries";
import { MarketFeed } from "@/lib/realtime/market-feed";
import type { ServerMessage } from "@/lib/realtime/protocol";
import { useAuthStore } from "@/stores/auth";
import { useConnectionStore } from "@/stores/connection";
import { quotesStore } from "@/stores/quotes";

/** The one board this app shows at a time: its list and who gets its frames. */
export type BoardSubscription = { list: string; onMessage: (message: ServerMessage) => void };

type FeedContextValue = {
  watch: (symbols: string[]) => () => void;
  /** Follow one board on the shared stream (a `board` action, repeated after each reconnect). */
  board: (subscription: BoardSubscription) => () => void;
};

/** Error codes the `board` action answers with (README, Realtime). */
const BOARD_ERRORS = new Set(["unknown_list", "board_too_large", "not_authenticated", "not_found"]);

function isBoardMessage(message: ServerMessage): boolean {
  return message.type === "board" || message.type === "quote" || message.type === "board_left" || (message.type === "error" && BOARD_ERRORS.has(message.code));
}

const FeedContext = createContext<FeedContextValue | null>(null);

/** One shared /ws/market/ connection for the whole app; components declare the symbols they show. */
export function MarketFeedProvider({ children, onMessage }: { children: React.ReactNode; onMessage?: (message: ServerMessage) => void }) {
  const registry = useRef(new Map<string, number>());
  const boardRef = useRef<BoardSubscription | null>(null);
  const status = useAuthStore((s) => s.status);
  const userId = useAuthStore((s) => s.user?.id ?? null);
  const setMarket = useConnectionStore((s) => s.setMarket);
  // `onMessage` should be stable (a module-level function): a new one recreates the feed.
  const feed = useMemo(() => new MarketFeed({ store: quotesStore, fetchQuotes, onOtherMessage: onMessage }), [onMessage]);
  useEffect(() => () => feed.dispose(), [feed]);

  const { connection } = useWebSocket("/ws/market/", {
    enabled: status !== "loading",
    auth: "optional",
    subscriptions: true,
    reconnectKey: userId,
    symbols: () => [...registry.current.keys()],
    onMessage: (message) => {
      if (isBoardMessage(message) && boardRef.current) boardRef.current.onMessage(message);
      else feed.handle(message);
    },
    onOpen: ({ reconnect }) => {
      if (reconnect) feed.reconnected();
      // A new connection has no board: ask again (the `board` frame is the new baseline).
      if (boardRef.current) connection.current?.send({ action: "board", list: boardRef.current.list });
    },
    onStatus: setMarket,
  });

  const value = useMemo<FeedContextValue>(
    () => ({
      watch: (symbols) => {
        const list = [...new Set(symbols.map((s) => s.toUpperCase()))];
        const added = list.filter((s) => {
          const n = registry.current.get(s) ?? 0;
          registry.current.set(s, n + 1);
          return n === 0;
        });
        if (added.length) connection.current?.addSymbols(added);
        return () => {
          const removed = list.filter((s) => {
            const n = registry.current.get(s) ?? 0;
            if (n <= 1) {
              registry.current.delete(s);
              return n === 1;
            }
            registry.current.set(s, n - 1);
            return false;
          });
          if (removed.length) connection.current?.removeSymbols(removed);
        };
      },
      board: (subscription) => {
        boardRef.current = subscription;
        connection.current?.send({ action: "board", list: subscription.list });
        return () => {
          if (boardRef.current !== subscription) return;
          boardRef.current = null;
          connection.current?.send({ action: "board_leave" });
        };
      },
    }),
    [connection],
  );

  return <FeedContext.Provider value={value}>{children}</FeedContext.Provider>;
}

/** Follow one board (one `board` subscription for the whole page) while mounted. */
export function useBoardStream(list: string | null, onMessage: (message: ServerMessage) => void): void {
  const context = useContext(FeedContext);
  const latest = useRef(onMessage);
  useEffect(() => {
    latest.current = onMessage;
  });
  useEffect(() => {
    if (!context || !list) return;
    return context.board({ list, onMessage: (message) => latest.current(message) });
  }, [context, list]);
}

/** Keep these symbols subscribed on the market stream while the component is mounted. */
export function useLiveSymbols(symbols: string[]): void {
  const context = useContext(FeedContext);
  const key = [...new Set(symbols.map((s) => s.toUpperCase()))].sort().join(",");
  useEffect(() => {
    if (!context || !key) return;
    return context.watch(key.split(","));
  }, [context, key]);
}
