"use client";
import { BellIcon, CandlestickChartIcon, GiftIcon, LayersIcon, LayoutDashboardIcon, ReceiptTextIcon, Table2Icon, LogInIcon, LogOutIcon, SearchIcon, StarIcon, UserIcon, WalletIcon } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogTitle } from "@/components/ui/dialog";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuLabel, DropdownMenuSeparator, DropdownMenuTrigger } from "@/components/ui/dropdown-menu";
import { LiveIndicator, MarketPhaseChip, SimulatedBadge } from "@/components/layout/status-badges";
import { SymbolSearch } from "@/components/layout/symbol-search";
import { LocaleSwitcher } from "@/components/layout/locale-switcher";
import { ThemeToggle } from "@/components/layout/theme-toggle";
import { logout } from "@/lib/api/session";
import { cn } from "@/lib/cn";
import { useAuthStore } from "@/stores/auth";
import { useQueryClient } from "@tanstack/react-query";

// `mobile`: also in the phone's bottom bar (six at most); the rest are in the sidebar and the switcher.
const NAV = [
  { href: "/", label: "dashboard", icon: LayoutDashboardIcon, mobile: true },
  { href: "/portfolios", label: "allPortfolios", icon: LayersIcon, mobile: false },
  { href: "/portfolio", label: "portfolio", icon: WalletIcon, mobile: true },
  { href: "/portfolio/closed", label: "closed", icon: ReceiptTextIcon, mobile: false },
  { href: "/board", label: "board", icon: Table2Icon, mobile: true },
  { href: "/market", label: "market", icon: CandlestickChartIcon, mobile: true },
  { href: "/watchlist", label: "watchlist", icon: StarIcon, mobile: true },
  { href: "/dividends", label: "dividends", icon: GiftIcon, mobile: false },
  { href: "/alerts", label: "alerts", icon: BellIcon, mobile: true },
] as const;

/** The longest matching entry wins, so /portfolio/closed does not also light /portfolio. */
function isActive(pathname: string, href: string): boolean {
  const matches = (h: string) => (h === "/" ? pathname === "/" : pathname === h || pathname.startsWith(`${h}/`));
  if (!matches(href)) return false;
  return !NAV.some((n) => n.href.length > href.length && n.href.startsWith(href) && matches(n.href));
}

export function Logo({ className }: { className?: string }) {
  const t = useTranslations();
  return (
    <Link href="/" className={cn("flex items-center gap-2.5 font-semibold tracking-tight", className)}>
      <span className="grid size-8 place-items-center rounded-lg bg-gradient-to-br from-primary to-chart-4 text-primary-foreground shadow-sm">
        <svg viewBox="0 0 24 24" className="size-4" fill="none" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" strokeLinejoin="round" aria-hidden>
          <path d="M3 17l5-5 4 4 8-9" />
          <path d="M15 7h5v5" />
        </svg>
      </span>
      <span className="leading-tight">
        {t("common.meta.title")}
        <span className="block text-[10px] font-normal tracking-wide text-muted-foreground uppercase">{t("nav.exchanges")}</span>
      </span>
    </Link>
  );
}

function UserMenu() {
  const { status, user } = useAuthStore();
  const router = useRouter();
  const client = useQueryClient();
  const t = useTranslations("nav");
  if (status === "loading") return <span className="size-8 animate-pulse rounded-full bg-muted" />;
  if (status !== "authenticated") {
    return (
      <Button asChild size="sm">
        <Link href="/login">
          <LogInIcon /> {t("signIn")}
        </Link>
      </Button>
    );
  }
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="sm" className="gap-2 px-1.5" aria-label={t("accountMenu")} data-testid="user-menu">
          <span className="grid size-7 place-items-center rounded-full bg-primary/15 text-xs font-semibold text-primary uppercase">
            {user?.username.slice(0, 2)}
          </span>
          <span className="hidden max-w-28 truncate text-sm lg:inline">{user?.username}</span>
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="w-52">
        <DropdownMenuLabel className="flex items-center gap-2">
          <UserIcon className="size-3.5" /> {user?.email || user?.username}
        </DropdownMenuLabel>
        <DropdownMenuSeparator />
        <DropdownMenuItem
          onSelect={async () => {
            await logout();
            client.clear();
            router.push("/login");
          }}
        >
          <LogOutIcon /> {t("signOut")}
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

export function AppShell({ children }: { children: React.ReactNode }) {
  const pathname = usePathname();
  const [searchOpen, setSearchOpen] = useState(false);
  const t = useTranslations("nav");
  return (
    <div className="min-h-dvh lg:grid lg:grid-cols-[232px_1fr]">
      <aside className="sticky top-0 hidden h-dvh flex-col border-r bg-sidebar px-3 py-4 lg:flex">
        <Logo className="px-2" />
        <nav className="mt-8 flex flex-col gap-0.5" aria-label={t("main")}>
          {NAV.map(({ href, label, icon: Icon }) => (
            <Link
              key={href}
              href={href}
              className={cn(
                "flex items-center gap-3 rounded-lg px-3 py-2 text-sm font-medium text-muted-foreground transition-colors hover:bg-accent hover:text-foreground",
                isActive(pathname, href) && "bg-accent text-foreground",
              )}
            >
              <Icon className={cn("size-4", isActive(pathname, href) && "text-primary")} />
              {t(label)}
            </Link>
          ))}
        </nav>
        <div className="mt-auto space-y-2 rounded-lg border bg-card p-3">
          <MarketPhaseChip />
          <div>
            <LiveIndicator />
          </div>
        </div>
      </aside>

      <div className="flex min-w-0 flex-col">
        <header className="sticky top-0 z-40 flex h-14 items-center gap-2 border-b bg-background/85 px-3 backdrop-blur supports-[backdrop-filter]:bg-background/70 sm:px-5">
          <Logo className="lg:hidden" />
          <SymbolSearch className="hidden w-full max-w-sm md:block" />
          <div className="ml-auto flex items-center gap-1.5 sm:gap-2">
            <SimulatedBadge className="hidden sm:inline-flex" />
            <span className="hidden sm:inline-flex lg:hidden">
              <LiveIndicator compact />
            </span>
            <Button variant="ghost" size="icon-sm" className="md:hidden" aria-label={t("searchSymbols")} onClick={() => setSearchOpen(true)}>
              <SearchIcon />
            </Button>
            <LocaleSwitcher />
            <ThemeToggle />
            <UserMenu />
          </div>
        </header>
        <div className="flex items-center gap-2 border-b px-3 py-1.5 sm:hidden">
          <SimulatedBadge />
          <span className="ml-auto">
            <LiveIndicator />
          </span>
        </div>
        <main className="mx-auto w-full max-w-[1400px] flex-1 px-3 pt-4 pb-24 sm:px-5 lg:pt-6 lg:pb-10">{children}</main>
      </div>

      <nav
        aria-label={t("main")}
        className="fixed inset-x-0 bottom-0 z-40 grid grid-cols-6 border-t bg-background/95 pb-[env(safe-area-inset-bottom)] backdrop-blur lg:hidden"
      >
        {NAV.filter((n) => n.mobile).map(({ href, label, icon: Icon }) => (
          <Link
            key={href}
            href={href}
            className={cn(
              "flex flex-col items-center gap-0.5 py-2 text-[11px] font-medium text-muted-foreground",
              isActive(pathname, href) && "text-primary",
            )}
          >
            <Icon className="size-5" />
            {t(label)}
          </Link>
        ))}
      </nav>

      <Dialog open={searchOpen} onOpenChange={setSearchOpen}>
        <DialogContent className="top-20 translate-y-0">
          <DialogTitle>{t("findSymbol")}</DialogTitle>
          <SymbolSearch autoFocus onDone={() => setSearchOpen(false)} />
        </DialogContent>
      </Dialog>
    </div>
  );
}
