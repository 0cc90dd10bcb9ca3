"use client";
import { useQueryClient } from "@tanstack/react-query";
import { useWebSocket } from "@/hooks/use-websocket";
import { keys } from "@/lib/api/queries";
import type { AlertMessage, ServerMessage } from "@/lib/realtime/protocol";
import { useAuthStore } from "@/stores/auth";
import { useConnectionStore } from "@/stores/connection";
import { useValuationStore } from "@/stores/valuation";

/** /ws/portfolio/{id}/ for the selected portfolio: live valuation, ledger changes, fired alerts. */
export function PortfolioStream({ portfolioId, onAlert }: { portfolioId: number; onAlert: (alert: AlertMessage) => void }) {
  const client = useQueryClient();
  const userId = useAuthStore((s) => s.user?.id ?? null);
  const apply = useValuationStore((s) => s.apply);
  const setPortfolio = useConnectionStore((s) => s.setPortfolio);
  useWebSocket(`/ws/portfolio/${portfolioId}/`, {
    auth: "required",
    subscriptions: false,
    reconnectKey: userId,
    fatalCloseCodes: [4403, 4404],
    onStatus: setPortfolio,
    onMessage: (message: ServerMessage) => {
      switch (message.type) {
        case "valuation":
          apply(portfolioId, message);
          return;
        case "transaction":
          void client.invalidateQueries({ queryKey: keys.portfolio(portfolioId) });
          return;
        case "alert":
          onAlert(message);
          void client.invalidateQueries({ queryKey: keys.alerts });
          return;
        default:
      }
    },
  });
  return null;
}
