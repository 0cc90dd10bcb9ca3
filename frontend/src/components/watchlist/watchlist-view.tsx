"use client";
import { useFormat } from "@/hooks/use-format";
import { StarIcon, Trash2Icon } from "lucide-react";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { toast } from "sonner";
import { CreateAlertDialog } from "@/components/alerts/create-alert-dialog";
import { ChangeText, FlashingValue } from "@/components/common/price";
import { EmptyState, ErrorState, PageHeader, TableSkeleton } from "@/components/common/states";
import { useLiveSymbols } from "@/components/realtime/market-feed-provider";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useErrorMessage } from "@/hooks/use-error-message";
import { useQuotesQuery, useWatchlist, useWatchlistToggle } from "@/lib/api/queries";
import type { Quote, WatchlistItem } from "@/lib/api/types";
import { priceTone } from "@/lib/format";
import { useQuotes } from "@/stores/quotes";

function WatchRow({ item, onRemove }: { item: WatchlistItem; onRemove: () => void }) {
  const { formatPrice, formatCompact } = useFormat();
  const t = useTranslations("watchlist");
  const live = useQuotes((s) => s.quotes[item.symbol]);
  const q = { ...(item.quote as Partial<Quote> | null), ...live };
  const tone = priceTone(q.price, q.reference_price, q.ceiling_price, q.floor_price);
  return (
    <TableRow data-testid={`watch-${item.symbol}`}>
      <TableCell className="pl-5">
        <Link href={`/instruments/${item.symbol}`} className="hover:text-primary">
          <span className="block font-semibold">{item.symbol}</span>
          {item.name && <span className="block max-w-48 truncate text-xs text-muted-foreground">{item.name}</span>}
        </Link>
      </TableCell>
      <TableCell className="text-right">
        <FlashingValue quote={live} tone={tone} value={formatPrice(q.price)} />
      </TableCell>
      <TableCell className="text-right">
        <ChangeText value={q.change} kind="number" tone={tone} />
      </TableCell>
      <TableCell className="text-right">
        <ChangeText value={q.change_pct} tone={tone} />
      </TableCell>
      <TableCell className="tabular hidden text-right text-ref sm:table-cell">{formatPrice(q.reference_price)}</TableCell>
      <TableCell className="tabular hidden text-right text-ceiling md:table-cell">{formatPrice(q.ceiling_price)}</TableCell>
      <TableCell className="tabular hidden text-right text-floor md:table-cell">{formatPrice(q.floor_price)}</TableCell>
      <TableCell className="tabular hidden text-right text-muted-foreground sm:table-cell">{formatCompact(q.volume)}</TableCell>
      <TableCell className="pr-5 text-right">
        <div className="flex justify-end gap-1">
          <CreateAlertDialog symbol={item.symbol} lastPrice={q.price} trigger={<Button variant="ghost" size="sm">{t("alert")}</Button>} />
          <Button variant="ghost" size="icon-sm" aria-label={t("remove", { symbol: item.symbol })} onClick={onRemove}>
            <Trash2Icon />
          </Button>
        </div>
      </TableCell>
    </TableRow>
  );
}

export function WatchlistView() {
  const watchlist = useWatchlist();
  const toggle = useWatchlistToggle();
  const t = useTranslations("watchlist");
  const c = useTranslations("common.col");
  const errorMessage = useErrorMessage();
  const [symbol, setSymbol] = useState("");
  const symbols = (watchlist.data ?? []).map((w) => w.symbol);
  useQuotesQuery(symbols);
  useLiveSymbols(symbols);

  async function add(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const clean = symbol.trim().toUpperCase();
    try {
      await toggle.mutateAsync({ symbol: clean, watched: false });
      setSymbol("");
      toast.success(t("added", { symbol: clean }));
    } catch (e) {
      toast.error(errorMessage(e));
    }
  }

  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description")}
        actions={
          <form onSubmit={add} className="flex gap-2" aria-label={t("form")}>
            <Input aria-label={t("symbolLabel")} placeholder={t("symbolPlaceholder")} required pattern="[A-Za-z0-9]{1,12}" className="w-32 uppercase" value={symbol} onChange={(e) => setSymbol(e.target.value)} />
            <Button type="submit" size="default" disabled={toggle.isPending}>
              <StarIcon /> {t("watch")}
            </Button>
          </form>
        }
      />
      <Card className="gap-0 py-2">
        {watchlist.isLoading ? (
          <div className="py-4">
            <TableSkeleton />
          </div>
        ) : watchlist.error ? (
          <div className="p-5">
            <ErrorState error={watchlist.error} onRetry={() => void watchlist.refetch()} />
          </div>
        ) : symbols.length === 0 ? (
          <EmptyState icon={StarIcon} title={t("empty.title")} description={t("empty.text")} />
        ) : (
          <Table data-testid="watchlist-table">
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead className="pl-5">{c("symbol")}</TableHead>
                <TableHead className="text-right">{c("price")}</TableHead>
                <TableHead className="text-right">{c("change")}</TableHead>
                <TableHead className="text-right">{c("changePct")}</TableHead>
                <TableHead className="hidden text-right sm:table-cell">{c("ref")}</TableHead>
                <TableHead className="hidden text-right md:table-cell">{c("ceiling")}</TableHead>
                <TableHead className="hidden text-right md:table-cell">{c("floor")}</TableHead>
                <TableHead className="hidden text-right sm:table-cell">{c("volume")}</TableHead>
                <TableHead className="pr-5">
                  <span className="sr-only">{c("actions")}</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {(watchlist.data ?? []).map((item) => (
                <WatchRow
                  key={item.symbol}
                  item={item}
                  onRemove={() => toggle.mutateAsync({ symbol: item.symbol, watched: true }).then(() => toast.success(t("removed", { symbol: item.symbol })), (e) => toast.error(errorMessage(e)))}
                />
              ))}
            </TableBody>
          </Table>
        )}
      </Card>
    </>
  );
}
