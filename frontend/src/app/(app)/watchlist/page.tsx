import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { RequireAuth } from "@/components/common/require-auth";
import { WatchlistView } from "@/components/watchlist/watchlist-view";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("nav");
  return { title: t("watchlist") };
}

export default function WatchlistPage() {
  return (
    <RequireAuth>
      <WatchlistView />
    </RequireAuth>
  );
}
