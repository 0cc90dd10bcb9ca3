"use client";
import { FlaskConicalIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useEffect, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import { useMarketSummary } from "@/lib/api/queries";
import type { MarketStatus } from "@/lib/api/types";
import { hosePhase, type MarketPhase, type MarketPhaseKey } from "@/lib/market-session";
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

const SESSION_PHASE: Record<MarketStatus["session"], MarketPhaseKey> = {
  pre_open: "preOpen",
  ato: "ato",
  continuous: "continuous",
  lunch_break: "lunch",
  atc: "atc",
  put_through: "putThrough",
  post_close: "closed",
  closed: "closed",
};

/**
 * HOSE's session as the server reports it (`/api/market/summary/`'s `market_status`): with the
 * always-open simulated feed that is "open" whatever the exchange clock says. Until the summary
 * arrives (or if it fails), the exchange clock computed here.
 */
export function MarketPhaseChip() {
  const [clock, setClock] = useState<MarketPhase | null>(null);
  const status = useMarketSummary().data?.market_status;
  const t = useTranslations("common.phase");
  useEffect(() => {
    const update = () => setClock(hosePhase());
    update();
    const timer = setInterval(update, 30_000);
    return () => clearInterval(timer);
  }, []);
  const phase: MarketPhase | null = status ? { key: SESSION_PHASE[status.session] ?? "closed", open: status.is_open } : clock;
  if (!phase) return null;
  const label = status?.always_open ? t("simulatedLabel", { phase: t(phase.key) }) : t("label", { phase: t(phase.key) });
  return (
    <span className="inline-flex items-center gap-1.5 text-xs text-muted-foreground" data-testid="market-phase" data-open={phase.open}>
      <span className={cn("size-1.5 rounded-full", phase.open ? "bg-up" : "bg-muted-foreground/60")} />
      {label}
    </span>
  );
}
