"use client";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, apiResponse } from "./client";
import type {
  Alert,
  AlertInput,
  Allocation,
  BarsResponse,
  Board,
  ClosedPositions,
  DividendCalendar,
  EntitlementAction,
  EntitlementList,
  Overview,
  Holdings,
  ImportResult,
  Instrument,
  InstrumentDetail,
  MarketSummary,
  Paginated,
  Performance,
  Portfolio,
  PortfolioInput,
  PortfolioSummary,
  Quote,
  Tick,
  Transaction,
  TransactionInput,
  WatchlistItem,
} from "./types";
import { quotesStore } from "@/stores/quotes";
import { useAuthStore } from "@/stores/auth";

/** Lists come paginated ({count, results}) or bare; accept both. */
export function asList<T>(data: Paginated<T> | T[] | undefined | null): T[] {
  if (!data) return [];
  return Array.isArray(data) ? data : data.results;
}

export const keys = {
  portfolios: ["portfolios"] as const,
  portfolio: (id: number) => ["portfolio", id] as const,
  summary: (id: number) => ["portfolio", id, "summary"] as const,
  holdings: (id: number) => ["portfolio", id, "holdings"] as const,
  performance: (id: number, range: string, benchmark: string) => ["portfolio", id, "performance", range, benchmark] as const,
  allocation: (id: number, by: string) => ["portfolio", id, "allocation", by] as const,
  closedPositions: (id: number, year: number | null = null) => ["portfolio", id, "closed-positions", year] as const,
  entitlements: (id: number) => ["portfolio", id, "entitlements"] as const,
  dividendCalendar: (id: number) => ["portfolio", id, "dividend-calendar"] as const,
  overview: (range: string) => ["portfolios", "overview", range] as const,
  board: (list: string) => ["board", list] as const,
  transactions: (id: number, filters: TransactionFilters) => ["portfolio", id, "transactions", filters] as const,
  instrument: (symbol: string) => ["instrument", symbol] as const,
  instruments: (search: string) => ["instruments", search] as const,
  group: (group: string) => ["instruments", "group", group] as const,
  bars: (symbol: string, interval: string) => ["bars", symbol, interval] as const,
  ticks: (symbol: string) => ["ticks", symbol] as const,
  quotes: (symbols: string[]) => ["quotes", symbols.join(",")] as const,
  summaryMarket: ["market", "summary"] as const,
  watchlist: ["watchlist"] as const,
  alerts: ["alerts"] as const,
};

function useSignedIn(): boolean {
  return useAuthStore((s) => s.status === "authenticated");
}

// ---------- market ----------

export async function fetchQuotes(symbols: string[]): Promise<Quote[]> {
  if (!symbols.length) return [];
  const data = await api<Quote[] | Paginated<Quote>>("/api/market/quotes/", { query: { symbols }, auth: "optional" });
  return asList(data);
}

/** REST quotes, pushed into the live store (the websocket then keeps them moving). */
export function useQuotesQuery(symbols: string[], { refetchInterval }: { refetchInterval?: number | false } = {}) {
  const sorted = [...new Set(symbols.map((s) => s.toUpperCase()))].sort();
  return useQuery({
    queryKey: keys.quotes(sorted),
    queryFn: async () => {
      const quotes = await fetchQuotes(sorted);
      quotesStore.getState().applyQuotes(quotes);
      return quotes;
    },
    enabled: sorted.length > 0,
    refetchInterval,
  });
}

export function useInstrument(symbol: string) {
  return useQuery({
    queryKey: keys.instrument(symbol),
    queryFn: async () => {
      const detail = await api<InstrumentDetail>("/api/market/instruments/{symbol}/", { params: { symbol }, auth: "optional" });
      if (detail.quote) quotesStore.getState().applyQuotes([detail.quote]);
      return detail;
    },
    retry: (count, error) => (error as { status?: number }).status !== 404 && count < 2,
  });
}

export function useInstrumentSearch(search: string) {
  return useQuery({
    queryKey: keys.instruments(search),
    queryFn: async () =>
      asList(await api<Paginated<Instrument> | Instrument[]>("/api/market/instruments/", { query: { search, page_size: 8 }, auth: "optional" })),
    enabled: search.trim().length > 0,
    staleTime: 60_000,
    placeholderData: keepPreviousData,
  });
}

export function useGroupInstruments(group: string) {
  return useQuery({
    queryKey: keys.group(group),
    queryFn: async () =>
      asList(await api<Paginated<Instrument> | Instrument[]>("/api/market/instruments/", { query: { group, page_size: 100 }, auth: "optional" })),
    staleTime: 10 * 60_000,
  });
}

export function useBars(symbol: string, interval: string) {
  return useQuery({
    queryKey: keys.bars(symbol, interval),
    queryFn: async () => (await api<BarsResponse>("/api/market/instruments/{symbol}/bars/", { params: { symbol }, query: { interval, adjusted: true }, auth: "optional" })).results,
    placeholderData: keepPreviousData,
    refetchInterval: interval === "1d" ? 5 * 60_000 : 60_000,
  });
}

export function useRecentTicks(symbol: string) {
  return useQuery({
    queryKey: keys.ticks(symbol),
    // The API lists today's ticks oldest first: read the count, then the last page(s).
    queryFn: async () => {
      const path = "/api/market/instruments/{symbol}/ticks/" as const;
      const size = 30;
      const first = await api<Paginated<Tick>>(path, { params: { symbol }, query: { page_size: 1 }, auth: "optional" });
      const last = Math.max(1, Math.ceil(first.count / size));
      const pages = await Promise.all(
        [last - 1, last].filter((p) => p >= 1).map((page) => api<Paginated<Tick>>(path, { params: { symbol }, query: { page_size: size, page }, auth: "optional" })),
      );
      return pages.flatMap((p) => p.results).slice(-size);
    },
  });
}

/** The price board's rows of a list (VN30, HNX30, HOSE, HNX, UPCOM, watchlist, portfolio:<id>). */
export function useBoard(list: string | null) {
  return useQuery({
    queryKey: keys.board(list ?? ""),
    queryFn: () => api<Board>("/api/market/board/", { query: { list: list! }, auth: "optional" }),
    enabled: list !== null,
    staleTime: 30_000,
    retry: (count, error) => ![400, 401, 404].includes((error as { status?: number }).status ?? 0) && count < 2,
  });
}

export function useMarketSummary(initialData?: MarketSummary | null) {
  return useQuery({
    queryKey: keys.summaryMarket,
    queryFn: () => api<MarketSummary>("/api/market/summary/", { auth: "optional" }),
    initialData: initialData ?? undefined,
    refetchInterval: 30_000,
  });
}

// ---------- portfolios ----------

export function usePortfolios() {
  const signedIn = useSignedIn();
  return useQuery({
    queryKey: keys.portfolios,
    queryFn: async () => asList(await api<Paginated<Portfolio> | Portfolio[]>("/api/portfolios/", { query: { page_size: 100 } })),
    enabled: signedIn,
  });
}

export function useCreatePortfolio() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: PortfolioInput) => api<Portfolio>("/api/portfolios/", { method: "POST", body: input }),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.portfolios }),
  });
}

export function usePortfolioSummary(id: number | null) {
  return useQuery({
    queryKey: keys.summary(id ?? 0),
    queryFn: () => api<PortfolioSummary>("/api/portfolios/{id}/summary/", { params: { id: id! } }),
    enabled: id !== null,
    refetchInterval: 60_000,
  });
}

export function useHoldings(id: number | null) {
  return useQuery({
    queryKey: keys.holdings(id ?? 0),
    queryFn: () => api<Holdings>("/api/portfolios/{id}/holdings/", { params: { id: id! } }),
    enabled: id !== null,
    refetchInterval: 60_000,
  });
}

export function usePerformance(id: number | null, range: string, benchmark = "VNINDEX") {
  return useQuery({
    queryKey: keys.performance(id ?? 0, range, benchmark),
    queryFn: () => api<Performance>("/api/portfolios/{id}/performance/", { params: { id: id! }, query: { range, benchmark } }),
    enabled: id !== null,
    placeholderData: keepPreviousData,
  });
}

export function useAllocation(id: number | null, by: string) {
  return useQuery({
    queryKey: keys.allocation(id ?? 0, by),
    queryFn: () => api<Allocation>("/api/portfolios/{id}/allocation/", { params: { id: id! }, query: { by } }),
    enabled: id !== null,
    placeholderData: keepPreviousData,
  });
}

export function useClosedPositions(id: number | null, year: number | null = null) {
  return useQuery({
    queryKey: keys.closedPositions(id ?? 0, year),
    queryFn: () =>
      api<ClosedPositions>("/api/portfolios/{id}/closed-positions/", { params: { id: id! }, query: year === null ? {} : { year } }),
    enabled: id !== null,
    placeholderData: keepPreviousData,
  });
}

/** Every portfolio of the user at once (totals, day P&L, allocation, performance, shares). */
export function useOverview(range: string) {
  const signedIn = useSignedIn();
  return useQuery({
    queryKey: keys.overview(range),
    queryFn: () => api<Overview>("/api/portfolios/overview/", { query: { range } }),
    enabled: signedIn,
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });
}

/** Remember a portfolio's benchmark (PATCH Portfolio.benchmark); "" for none. */
export function useSetBenchmark(portfolioId: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (benchmark: string) => api<Portfolio>("/api/portfolios/{id}/", { method: "PATCH", params: { id: portfolioId }, body: { benchmark } }),
    onSuccess: (portfolio) => {
      client.setQueryData<Portfolio[]>(keys.portfolios, (list) => list?.map((p) => (p.id === portfolio.id ? portfolio : p)));
      void client.invalidateQueries({ queryKey: keys.portfolio(portfolioId) });
    },
  });
}

// ---------- corporate actions ----------

export function useEntitlements(id: number | null) {
  return useQuery({
    queryKey: keys.entitlements(id ?? 0),
    queryFn: async () => (await api<EntitlementList>("/api/portfolios/{portfolio_id}/entitlements/", { params: { portfolio_id: id! } })).results,
    enabled: id !== null,
  });
}

export function useDividendCalendar(id: number | null) {
  return useQuery({
    queryKey: keys.dividendCalendar(id ?? 0),
    queryFn: () => api<DividendCalendar>("/api/portfolios/{portfolio_id}/dividend-calendar/", { params: { portfolio_id: id! } }),
    enabled: id !== null,
  });
}

/** Apply (confirm) a due entitlement, or exercise a right with a quantity; both idempotent on the server. */
export function useEntitlementAction(portfolioId: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, quantity }: { id: number; quantity?: number }) =>
      quantity === undefined
        ? api<EntitlementAction>("/api/portfolios/{portfolio_id}/entitlements/{id}/apply/", { method: "POST", params: { portfolio_id: portfolioId, id }, body: {} })
        : api<EntitlementAction>("/api/portfolios/{portfolio_id}/entitlements/{id}/exercise/", {
            method: "POST",
            params: { portfolio_id: portfolioId, id },
            body: { quantity },
          }),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.portfolio(portfolioId) }),
  });
}

export type TransactionFilters = {
  page: number;
  page_size: number;
  kind?: string;
  symbol?: string;
  date_from?: string;
  date_to?: string;
  ordering?: string;
};

export function useTransactions(id: number | null, filters: TransactionFilters) {
  return useQuery({
    queryKey: keys.transactions(id ?? 0, filters),
    queryFn: () => api<Paginated<Transaction>>("/api/portfolios/{portfolio_id}/transactions/", { params: { portfolio_id: id! }, query: filters }),
    enabled: id !== null,
    placeholderData: keepPreviousData,
  });
}

function useInvalidatePortfolio() {
  const client = useQueryClient();
  return (id: number) => client.invalidateQueries({ queryKey: keys.portfolio(id) });
}

export function useSaveTransaction(portfolioId: number) {
  const invalidate = useInvalidatePortfolio();
  return useMutation({
    mutationFn: ({ id, input }: { id?: number; input: TransactionInput }) =>
      id
        ? api<Transaction>("/api/portfolios/{portfolio_id}/transactions/{id}/", { method: "PATCH", params: { portfolio_id: portfolioId, id }, body: input })
        : api<Transaction>("/api/portfolios/{portfolio_id}/transactions/", { method: "POST", params: { portfolio_id: portfolioId }, body: input }),
    onSuccess: () => invalidate(portfolioId),
  });
}

export function useDeleteTransaction(portfolioId: number) {
  const invalidate = useInvalidatePortfolio();
  return useMutation({
    mutationFn: (id: number) => api<void>("/api/portfolios/{portfolio_id}/transactions/{id}/", { method: "DELETE", params: { portfolio_id: portfolioId, id } }),
    onSuccess: () => invalidate(portfolioId),
  });
}

export function useImportTransactions(portfolioId: number) {
  const invalidate = useInvalidatePortfolio();
  return useMutation({
    mutationFn: ({ file, dryRun }: { file: File; dryRun: boolean }) => {
      const form = new FormData();
      form.append("file", file);
      return api<ImportResult>("/api/portfolios/{id}/import/", {
        method: "POST",
        params: { id: portfolioId },
        query: dryRun ? { dry_run: 1 } : {},
        body: form,
      });
    },
    onSuccess: (_data, { dryRun }) => {
      if (!dryRun) void invalidate(portfolioId);
    },
  });
}

/** Download the export through the authenticated client and hand it to the browser. */
export async function downloadExport(portfolioId: number, format: "csv" | "json", filename: string): Promise<void> {
  const response = await apiResponse("/api/portfolios/{id}/export/", {
    params: { id: portfolioId },
    query: { format },
    headers: { accept: format === "csv" ? "text/csv" : "application/json" },
  });
  await saveResponse(response, filename);
}

/** Download the sales and cash dividends (of a year, or all) as CSV for Excel. */
export async function downloadClosedPositionsCsv(portfolioId: number, year: number | null, filename: string): Promise<void> {
  const response = await apiResponse("/api/portfolios/{id}/closed-positions/export.csv", {
    params: { id: portfolioId },
    query: year === null ? {} : { year },
    headers: { accept: "text/csv" },
  });
  await saveResponse(response, filename);
}

async function saveResponse(response: Response, filename: string): Promise<void> {
  const disposition = response.headers.get("content-disposition") ?? "";
  const named = /filename="?([^";]+)"?/i.exec(disposition)?.[1];
  if (named) filename = named;
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ---------- watchlist & alerts ----------

export function useWatchlist() {
  const signedIn = useSignedIn();
  return useQuery({
    queryKey: keys.watchlist,
    queryFn: async () => asList(await api<WatchlistItem[] | Paginated<WatchlistItem>>("/api/watchlist/", { query: { page_size: 200 } })),
    enabled: signedIn,
  });
}

export function useWatchlistToggle() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ symbol, watched }: { symbol: string; watched: boolean }): Promise<void> => {
      if (watched) await api<void>("/api/watchlist/{symbol}/", { method: "DELETE", params: { symbol } });
      else await api<WatchlistItem>("/api/watchlist/", { method: "POST", body: { symbol } });
    },
    onSuccess: () => client.invalidateQueries({ queryKey: keys.watchlist }),
  });
}

export function useAlerts() {
  const signedIn = useSignedIn();
  return useQuery({
    queryKey: keys.alerts,
    queryFn: async () => asList(await api<Alert[] | Paginated<Alert>>("/api/alerts/", { query: { page_size: 200 } })),
    enabled: signedIn,
  });
}

export function useSaveAlert() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id?: number; input: Partial<AlertInput> }) =>
      id
        ? api<Alert>("/api/alerts/{id}/", { method: "PATCH", params: { id }, body: input })
        : api<Alert>("/api/alerts/", { method: "POST", body: input }),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.alerts }),
  });
}

export function useDeleteAlert() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api<void>("/api/alerts/{id}/", { method: "DELETE", params: { id } }),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.alerts }),
  });
}
