// Live portfolio valuations pushed on /ws/portfolio/{id}/.
import { create } from "zustand";
import type { ValuationMessage } from "@/lib/realtime/protocol";

export type LiveValuation = ValuationMessage & { receivedAt: number };

type ValuationState = {
  byPortfolio: Record<number, LiveValuation>;
  apply: (portfolioId: number, message: ValuationMessage, now?: number) => void;
  clear: (portfolioId?: number) => void;
};

export const useValuationStore = create<ValuationState>()((set) => ({
  byPortfolio: {},
  apply: (portfolioId, message, now = Date.now()) =>
    set((state) => ({ byPortfolio: { ...state.byPortfolio, [portfolioId]: { ...message, receivedAt: now } } })),
  clear: (portfolioId) =>
    set((state) => {
      if (portfolioId === undefined) return { byPortfolio: {} };
      const next = { ...state.byPortfolio };
      delete next[portfolioId];
      return { byPortfolio: next };
    }),
}));
