"use client";
// The performance chart's benchmark: the three indices, none, or any instrument found by the
// instruments search; the choice is remembered on the portfolio (PATCH Portfolio.benchmark).
import { ChevronDownIcon, LineChartIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuRadioGroup,
  DropdownMenuRadioItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { Input } from "@/components/ui/input";
import { useErrorMessage } from "@/hooks/use-error-message";
import { useInstrumentSearch, useSetBenchmark } from "@/lib/api/queries";

export const BENCHMARK_PRESETS = ["VNINDEX", "VN30", "HNXINDEX"] as const;
const NONE = "none";

/** The stored value as the performance endpoint takes it ("" means none). */
export function benchmarkParam(stored: string | null | undefined): string {
  return stored === undefined || stored === null ? "VNINDEX" : stored === "" ? NONE : stored;
}

export function BenchmarkPicker({ portfolioId, value }: { portfolioId: number; value: string }) {
  const t = useTranslations("dashboard.benchmark");
  const [search, setSearch] = useState("");
  const found = useInstrumentSearch(search);
  const save = useSetBenchmark(portfolioId);
  const errorMessage = useErrorMessage();

  function choose(next: string) {
    setSearch("");
    if (next === value) return;
    save.mutate(next === NONE ? "" : next, { onError: (error) => toast.error(errorMessage(error)) });
  }

  const shown = value === NONE ? t("none") : value;
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="outline" size="sm" data-testid="benchmark-picker" aria-label={t("label")} disabled={save.isPending}>
          <LineChartIcon /> {t("versus", { symbol: shown })}
          <ChevronDownIcon className="opacity-50" />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="w-64">
        <DropdownMenuLabel>{t("label")}</DropdownMenuLabel>
        <DropdownMenuRadioGroup value={value} onValueChange={choose}>
          {BENCHMARK_PRESETS.map((symbol) => (
            <DropdownMenuRadioItem key={symbol} value={symbol} data-testid={`benchmark-${symbol}`}>
              {symbol}
            </DropdownMenuRadioItem>
          ))}
          {!BENCHMARK_PRESETS.includes(value as (typeof BENCHMARK_PRESETS)[number]) && value !== NONE && <DropdownMenuRadioItem value={value}>{value}</DropdownMenuRadioItem>}
          <DropdownMenuRadioItem value={NONE}>{t("none")}</DropdownMenuRadioItem>
        </DropdownMenuRadioGroup>
        <DropdownMenuSeparator />
        <div className="p-1">
          <Input
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            // Keep the menu's type-ahead from eating the keys typed here.
            onKeyDown={(e) => e.stopPropagation()}
            placeholder={t("search")}
            aria-label={t("search")}
            className="h-8"
            data-testid="benchmark-search"
          />
        </div>
        {(found.data ?? []).map((instrument) => (
          <DropdownMenuItem key={instrument.symbol} onSelect={() => choose(instrument.symbol)} data-testid={`benchmark-option-${instrument.symbol}`}>
            <span className="font-medium">{instrument.symbol}</span>
            <span className="truncate text-xs text-muted-foreground">{instrument.name}</span>
          </DropdownMenuItem>
        ))}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
