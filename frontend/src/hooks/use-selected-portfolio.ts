"use client";
import { useEffect } from "react";
import { usePortfolios } from "@/lib/api/queries";
import { useSelectionStore } from "@/stores/selection";

/** The user's portfolios and the selected one (falls back to the first). */
export function useSelectedPortfolio() {
  const query = usePortfolios();
  const storedId = useSelectionStore((s) => s.portfolioId);
  const setPortfolioId = useSelectionStore((s) => s.setPortfolioId);
  const portfolios = query.data ?? [];
  const selected = portfolios.find((p) => p.id === storedId) ?? portfolios[0] ?? null;
  useEffect(() => {
    if (!query.isSuccess) return;
    const id = selected?.id ?? null;
    if (id !== storedId) setPortfolioId(id);
  }, [query.isSuccess, selected?.id, storedId, setPortfolioId]);
  return { ...query, portfolios, selected, select: setPortfolioId };
}
