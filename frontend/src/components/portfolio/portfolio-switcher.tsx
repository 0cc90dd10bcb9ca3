"use client";
import { BriefcaseIcon, ChevronsUpDownIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { DropdownMenu, DropdownMenuContent, DropdownMenuLabel, DropdownMenuRadioGroup, DropdownMenuRadioItem, DropdownMenuTrigger } from "@/components/ui/dropdown-menu";
import type { Portfolio } from "@/lib/api/types";

export function PortfolioSwitcher({ portfolios, selected, onSelect }: { portfolios: Portfolio[]; selected: Portfolio | null; onSelect: (id: number) => void }) {
  const t = useTranslations("portfolio.switcher");
  if (!selected) return null;
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="outline" size="sm" className="max-w-64 justify-between" data-testid="portfolio-switcher">
          <BriefcaseIcon />
          <span className="truncate">{selected.name}</span>
          <ChevronsUpDownIcon className="opacity-50" />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="start" className="w-60">
        <DropdownMenuLabel>{t("label")}</DropdownMenuLabel>
        <DropdownMenuRadioGroup value={String(selected.id)} onValueChange={(v) => onSelect(Number(v))}>
          {portfolios.map((p) => (
            <DropdownMenuRadioItem key={p.id} value={String(p.id)}>
              <span className="truncate">{p.name}</span>
            </DropdownMenuRadioItem>
          ))}
        </DropdownMenuRadioGroup>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
