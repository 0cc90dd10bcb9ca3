"use client";
import { FlaskConicalIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useEffect, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import { hosePhase, type MarketPhase } from "@/lib/market-session";
import { cn } from "@/lib/cn";
import { useConnectionStore } from "@/stores/connection";
import { useQuotes } from "@/stores/quotes";

/** Shown whenever the quotes on screen come from the built-in simulator rather than the exchange. */
export function SimulatedBadge({ source, className }: { source?: string | null; className?: string }) {
  const lastSource = useQuotes((s) => s.lastSource);
  const effective = source ?? lastSource;
  const t = useTranslations("common.simulated");
  if (effective !== "simulated") return null;
  return (
    <Tooltip>
      <TooltipTrigger asChild>
        <Badge variant="warning" className={cn("cursor-help", className)} data-testid="simulated-badge">
          <FlaskConicalIcon />
          {t("badge")}
        </Badge>
      </TooltipTrigger>
      <TooltipContent>{t("tooltip")}</TooltipContent>
    </Tooltip>
  );
}

export function LiveIndicator({ compact = false }: { compact?: boolean }) {
  const status = useConnectionStore((s) => s.market);
  const t = useTranslations("common.live");
  const tone =
    status === "open" ? "bg-up" : status === "connecting" || status === "reconnecting" ? "bg-ref" : "bg-muted-foreground";
  return (
    <span className="inline-flex items-center gap-1.5 text-xs text-muted-foreground" data-testid="live-indicator" data-status={status}>
      <span className="relative flex size-2">
        {status === "open" && <span className={cn("absolute inline-flex size-full animate-ping rounded-full opacity-60", tone)} />}
        <span className={cn("relative inline-flex size-2 rounded-full", tone)} />
      </span>
      {!compact && t(status)}
    </span>
  );
}

export function MarketPhaseChip() {
  const [phase, setPhase] = useState<MarketPhase | null>(null);
  const t = useTranslations("common.phase");
  useEffect(() => {
    const update = () => setPhase(hosePhase());
    update();
    const timer = setInterval(update, 30_000);
    return () => clearInterval(timer);
  }, []);
  if (!phase) return null;
  return (
    <span className="inline-flex items-center gap-1.5 text-xs text-muted-foreground">
      <span className={cn("size-1.5 rounded-full", phase.open ? "bg-up" : "bg-muted-foreground/60")} />
      {t("label", { phase: t(phase.key) })}
    </span>
  );
}
