"use client";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api } from "@/lib/api/client";
import { ApiError } from "@/lib/api/errors";
import { keys } from "@/lib/api/queries";
import type { TransactionInput, TransactionPreview, TransactionPreviewInput } from "@/lib/api/types";

/** ``value`` once it has stopped changing for ``delay`` ms. */
export function useDebounced<T>(value: T, delay: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return settled;
}

/**
 * The server's preview of ``input`` (debounced; nothing while the form is incomplete). A 4xx of the
 * preview is the write's own refusal: it is returned as ``error`` for the fields, never retried.
 */
export function useTransactionPreview(portfolioId: number, input: TransactionInput | null, transactionId?: number) {
  const body: TransactionPreviewInput | null = input ? { ...input, ...(transactionId ? { transaction_id: transactionId } : {}) } : null;
  const serialized = body ? JSON.stringify(body) : "";
  const debounced = useDebounced(serialized, 350);
  const query = useQuery({
    queryKey: [...keys.portfolio(portfolioId), "preview", debounced] as const,
    queryFn: ({ signal }) =>
      api<TransactionPreview>("/api/portfolios/{portfolio_id}/transactions/preview/", {
        method: "POST",
        params: { portfolio_id: portfolioId },
        body: JSON.parse(debounced) as TransactionPreviewInput,
        signal,
      }),
    enabled: debounced !== "",
    retry: false,
    staleTime: 5_000,
    placeholderData: keepPreviousData,
  });
  const current = debounced === serialized && serialized !== "";
  return {
    // the last answer stays shown while the next one is on its way (no flicker while typing)
    preview: serialized !== "" && !query.isError ? (query.data ?? null) : null,
    error: current && query.error instanceof ApiError ? query.error : null,
    pending: serialized !== "" && (!current || query.isFetching),
  };
}
