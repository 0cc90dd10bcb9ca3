import type { Metadata } from "next";
import { RequireAuth } from "@/components/common/require-auth";
import { WatchlistView } from "@/components/watchlist/watchlist-view";

export const metadata: Metadata = { title: "Watchlist" };

export default function WatchlistPage() {
  return (
    <RequireAuth>
      <WatchlistView />
    </RequireAuth>
  );
}
