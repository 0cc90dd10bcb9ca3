"use client";
import { BriefcaseIcon, ChevronsUpDownIcon, LayersIcon, ReceiptTextIcon } from "lucide-react";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuLabel, DropdownMenuRadioGroup, DropdownMenuRadioItem, DropdownMenuSeparator, DropdownMenuTrigger } from "@/components/ui/dropdown-menu";
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
        <DropdownMenuSeparator />
        <DropdownMenuItem asChild>
          <Link href="/portfolios" data-testid="switcher-all-portfolios">
            <LayersIcon /> {t("all")}
          </Link>
        </DropdownMenuItem>
        <DropdownMenuItem asChild>
          <Link href="/portfolio/closed" data-testid="switcher-closed-positions">
            <ReceiptTextIcon /> {t("closed")}
          </Link>
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
