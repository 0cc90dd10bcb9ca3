import { create } from "zustand";
import type { SocketStatus } from "@/lib/realtime/connection";

type ConnectionState = {
  market: SocketStatus;
  portfolio: SocketStatus;
  setMarket: (status: SocketStatus) => void;
  setPortfolio: (status: SocketStatus) => void;
};

export const useConnectionStore = create<ConnectionState>()((set) => ({
  market: "idle",
  portfolio: "idle",
  setMarket: (market) => set({ market }),
  setPortfolio: (portfolio) => set({ portfolio }),
}));
