"use client";
import { StarIcon } from "lucide-react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { errorMessage } from "@/lib/api/errors";
import { useWatchlist, useWatchlistToggle } from "@/lib/api/queries";
import { cn } from "@/lib/cn";
import { useAuthStore } from "@/stores/auth";

export function WatchButton({ symbol }: { symbol: string }) {
  const signedIn = useAuthStore((s) => s.status === "authenticated");
  const router = useRouter();
  const watchlist = useWatchlist();
  const toggle = useWatchlistToggle();
  const watched = (watchlist.data ?? []).some((w) => w.symbol === symbol);
  return (
    <Button
      variant="outline"
      size="sm"
      disabled={toggle.isPending}
      aria-pressed={watched}
      onClick={async () => {
        if (!signedIn) {
          router.push(`/login?next=/instruments/${symbol}`);
          return;
        }
        try {
          await toggle.mutateAsync({ symbol, watched });
          toast.success(watched ? `${symbol} removed from your watchlist` : `${symbol} added to your watchlist`);
        } catch (e) {
          toast.error(errorMessage(e));
        }
      }}
    >
      <StarIcon className={cn(watched && "fill-ref text-ref")} />
      {watched ? "Watching" : "Watch"}
    </Button>
  );
}
