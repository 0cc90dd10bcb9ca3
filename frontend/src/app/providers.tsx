"use client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ThemeProvider } from "next-themes";
import { useEffect, useState } from "react";
import { Toaster } from "@/components/ui/sonner";
import { TooltipProvider } from "@/components/ui/tooltip";
import { AlertTextSync } from "@/hooks/use-alert-text";
import { AlertCenter } from "@/components/realtime/alert-center";
import { MarketFeedProvider } from "@/components/realtime/market-feed-provider";
import { PortfolioStream } from "@/components/realtime/portfolio-stream";
import { ApiError } from "@/lib/api/errors";
import { refreshSession } from "@/lib/api/session";
import { notifyAlertFired } from "@/lib/alerts";
import type { AlertMessage, ServerMessage } from "@/lib/realtime/protocol";
import { useAuthStore } from "@/stores/auth";
import { useSelectionStore } from "@/stores/selection";

function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        refetchOnWindowFocus: false,
        retry: (count, error) => {
          if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) return false;
          return count < 2;
        },
      },
    },
  });
}

function alertFromMessage(message: AlertMessage) {
  return {
    id: message.id,
    symbol: message.symbol,
    condition: message.condition,
    threshold: message.threshold,
    price: message.triggered_price,
    triggered_at: message.triggered_at,
  };
}

function onStreamMessage(message: ServerMessage) {
  if (message.type === "alert") notifyAlertFired(alertFromMessage(message));
}

function SessionBootstrap() {
  useEffect(() => {
    void refreshSession();
  }, []);
  return null;
}

function SignedInStreams() {
  const status = useAuthStore((s) => s.status);
  const portfolioId = useSelectionStore((s) => s.portfolioId);
  if (status !== "authenticated") return null;
  return (
    <>
      <AlertCenter />
      {portfolioId !== null && (
        <PortfolioStream key={portfolioId} portfolioId={portfolioId} onAlert={(m) => notifyAlertFired(alertFromMessage(m))} />
      )}
    </>
  );
}

export function Providers({ children, nonce }: { children: React.ReactNode; nonce?: string }) {
  const [client] = useState(makeQueryClient);
  return (
    <ThemeProvider attribute="class" defaultTheme="system" enableSystem disableTransitionOnChange nonce={nonce}>
      <QueryClientProvider client={client}>
        <TooltipProvider delayDuration={200}>
          <SessionBootstrap />
          <AlertTextSync />
          <MarketFeedProvider onMessage={onStreamMessage}>
            <SignedInStreams />
            {children}
          </MarketFeedProvider>
          <Toaster />
        </TooltipProvider>
      </QueryClientProvider>
    </ThemeProvider>
  );
}
