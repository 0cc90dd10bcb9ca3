import { create } from "zustand";
import { persist } from "zustand/middleware";

type SelectionState = {
  portfolioId: number | null;
  setPortfolioId: (id: number | null) => void;
};

/** The portfolio the dashboard and portfolio pages show (remembered across visits). */
export const useSelectionStore = create<SelectionState>()(
  persist((set) => ({ portfolioId: null, setPortfolioId: (portfolioId) => set({ portfolioId }) }), {
    name: "vnp-selection",
  }),
);
