"use client";
import { createContext, useContext, useEffect, useMemo, useRef } from "react";
import { useWebSocket } from "@/hooks/use-websocket";
import { fetchQuotes } from "@/lib/api/queries";
import { MarketFeed } from "@/lib/realtime/market-feed";
import type { ServerMessage } from "@/lib/realtime/protocol";
import { useAuthStore } from "@/stores/auth";
import { useConnectionStore } from "@/stores/connection";
import { quotesStore } from "@/stores/quotes";

type FeedContextValue = { watch: (symbols: string[]) => () => void };

const FeedContext = createContext<FeedContextValue | null>(null);

/** One shared /ws/market/ connection for the whole app; components declare the symbols they show. */
export function MarketFeedProvider({ children, onMessage }: { children: React.ReactNode; onMessage?: (message: ServerMessage) => void }) {
  const registry = useRef(new Map<string, number>());
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
    onMessage: feed.handle,
    onOpen: ({ reconnect }) => {
      if (reconnect) feed.reconnected();
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
    }),
    [connection],
  );

  return <FeedContext.Provider value={value}>{children}</FeedContext.Provider>;
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
