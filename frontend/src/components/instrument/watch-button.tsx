"use client";
import { StarIcon } from "lucide-react";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { useErrorMessage } from "@/hooks/use-error-message";
import { useWatchlist, useWatchlistToggle } from "@/lib/api/queries";
import { cn } from "@/lib/cn";
import { useAuthStore } from "@/stores/auth";

export function WatchButton({ symbol }: { symbol: string }) {
  const signedIn = useAuthStore((s) => s.status === "authenticated");
  const router = useRouter();
  const t = useTranslations("watchlist");
  const errorMessage = useErrorMessage();
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
          toast.success(watched ? t("removedFromList", { symbol }) : t("addedToList", { symbol }));
        } catch (e) {
          toast.error(errorMessage(e));
        }
      }}
    >
      <StarIcon className={cn(watched && "fill-ref text-ref")} />
      {watched ? t("watching") : t("watch")}
    </Button>
  );
}
