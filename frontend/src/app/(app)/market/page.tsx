import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { MarketOverview, type MarketInitial } from "@/components/market/market-overview";
import type { Instrument, MarketSummary, Paginated, Quote } from "@/lib/api/types";
import { backendJson } from "@/lib/server/backend";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("nav");
  return { title: t("market") };
}

// Server-rendered and regenerated at most every 30 s (ISR); the client then goes live over the
// websocket. While `next build` runs the API is usually not up: the page then renders empty and
// the browser fills it in.
export const revalidate = 30;

const building = process.env.NEXT_PHASE === "phase-production-build";

function list<T>(data: Paginated<T> | T[]): T[] {
  return Array.isArray(data) ? data : data.results;
}

async function load(): Promise<MarketInitial> {
  const renderedAt = new Date().toISOString();
  try {
    const [summary, vn30] = await Promise.all([
      backendJson<MarketSummary>("/api/market/summary/", { next: { revalidate } }),
      backendJson<Paginated<Instrument> | Instrument[]>("/api/market/instruments/?group=VN30&page_size=100", { next: { revalidate: 3600 } }).then(list),
    ]);
    const symbols = vn30.map((i) => i.symbol).join(",");
    const quotes = symbols
      ? await backendJson<Quote[] | Paginated<Quote>>(`/api/market/quotes/?symbols=${symbols}`, { next: { revalidate } }).then(list)
      : [];
    return { summary, vn30, quotes, renderedAt };
  } catch (error) {
    // At build time render an empty shell; at run time a failed regeneration keeps the last good page.
    if (!building) throw error;
    return { summary: null, vn30: [], quotes: [], renderedAt };
  }
}

export default async function MarketPage() {
  return <MarketOverview initial={await load()} />;
}
