"use client";
// The year-end page of one portfolio: positions sold out, every sale with what it realized, the totals
// per year (realized, fees, sell taxes, dividends and the tax withheld on them) and the CSV for Excel.
import { DownloadIcon } from "lucide-react";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { toast } from "sonner";
import { ChangeText } from "@/components/common/price";
import { EmptyState, ErrorState, PageHeader, TableSkeleton } from "@/components/common/states";
import { PortfolioSwitcher } from "@/components/portfolio/portfolio-switcher";
import { ClosedPositionsTable } from "@/components/portfolio/realized";
import { Button } from "@/components/ui/button";
import { Card, CardHeader, CardTitle } from "@/components/ui/card";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useFormat } from "@/hooks/use-format";
import { useSelectedPortfolio } from "@/hooks/use-selected-portfolio";
import { downloadClosedPositionsCsv, useClosedPositions } from "@/lib/api/queries";
import type { SaleLine, YearTotals } from "@/lib/api/types";

const ALL = "all";

function YearTotalsTable({ years }: { years: YearTotals[] }) {
  const { formatPrice } = useFormat();
  const t = useTranslations("closed.years");
  return (
    <Table data-testid="closed-year-totals">
      <TableHeader>
        <TableRow className="hover:bg-transparent">
          <TableHead className="pl-5">{t("year")}</TableHead>
          <TableHead className="text-right">{t("sales")}</TableHead>
          <TableHead className="text-right">{t("realized")}</TableHead>
          <TableHead className="text-right">{t("fees")}</TableHead>
          <TableHead className="text-right">{t("sellTaxes")}</TableHead>
          <TableHead className="text-right">{t("dividendIncome")}</TableHead>
          <TableHead className="pr-5 text-right">{t("dividendTaxes")}</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {years.map((y) => (
          <TableRow key={y.year} data-testid={`closed-year-${y.year}`}>
            <TableCell className="pl-5 font-medium">{y.year}</TableCell>
            <TableCell className="tabular text-right">{y.sales_count}</TableCell>
            <TableCell className="text-right">
              <ChangeText value={y.realized_pnl} kind="number" className="font-medium" />
            </TableCell>
            <TableCell className="tabular text-right">{formatPrice(y.fees)}</TableCell>
            <TableCell className="tabular text-right">{formatPrice(y.sell_taxes)}</TableCell>
            <TableCell className="tabular text-right">{formatPrice(y.dividend_income)}</TableCell>
            <TableCell className="tabular pr-5 text-right">{formatPrice(y.dividend_taxes)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function SalesTable({ sales }: { sales: SaleLine[] }) {
  const { formatPrice, formatQuantity, formatDate } = useFormat();
  const t = useTranslations("closed.sales");
  const c = useTranslations("common.col");
  return (
    <Table data-testid="closed-sales">
      <TableHeader>
        <TableRow className="hover:bg-transparent">
          <TableHead className="pl-5">{t("date")}</TableHead>
          <TableHead>{c("symbol")}</TableHead>
          <TableHead className="text-right">{c("quantity")}</TableHead>
          <TableHead className="text-right">{t("price")}</TableHead>
          <TableHead className="text-right">{t("feeTax")}</TableHead>
          <TableHead className="text-right">{t("proceeds")}</TableHead>
          <TableHead className="text-right">{t("cost")}</TableHead>
          <TableHead className="pr-5 text-right">{t("pnl")}</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {sales.map((s) => (
          <TableRow key={s.transaction_id} data-testid={`closed-sale-${s.transaction_id}`}>
            <TableCell className="tabular pl-5">{formatDate(s.trade_date)}</TableCell>
            <TableCell className="font-medium">
              <Link className="hover:text-primary" href={`/instruments/${s.symbol}`}>
                {s.symbol}
              </Link>
            </TableCell>
            <TableCell className="tabular text-right">{formatQuantity(s.quantity)}</TableCell>
            <TableCell className="tabular text-right">{formatPrice(s.price)}</TableCell>
            <TableCell className="tabular text-right text-muted-foreground">
              {formatPrice(s.fee)} / {formatPrice(s.tax)}
            </TableCell>
            <TableCell className="tabular text-right">{formatPrice(s.proceeds)}</TableCell>
            <TableCell className="tabular text-right">{formatPrice(s.cost)}</TableCell>
            <TableCell className="pr-5 text-right">
              <span className="inline-flex flex-col items-end">
                <ChangeText value={s.realized_pnl} kind="number" className="font-medium" />
                <ChangeText value={s.realized_pnl_pct} className="text-xs" />
              </span>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function Section({ title, children, testId }: { title: string; children: React.ReactNode; testId?: string }) {
  return (
    <Card className="mt-4 gap-0 py-0" data-testid={testId}>
      <CardHeader className="border-b p-4 sm:p-5">
        <CardTitle>{title}</CardTitle>
      </CardHeader>
      <div className="overflow-x-auto">{children}</div>
    </Card>
  );
}

export function ClosedView() {
  const { portfolios, selected, select, isLoading } = useSelectedPortfolio();
  const [year, setYear] = useState<number | null>(null);
  const [downloading, setDownloading] = useState(false);
  const closed = useClosedPositions(selected?.id ?? null, year);
  // The year list comes from the unfiltered answer (a filtered one only names its own year).
  const everyYear = useClosedPositions(selected?.id ?? null, null);
  const t = useTranslations("closed");
  const p = useTranslations("portfolio");

  if (isLoading) return <TableSkeleton rows={6} cols={6} />;
  if (!selected) return <EmptyState title={p("none.title")} description={p("none.text")} />;

  const years = (everyYear.data?.years ?? []).map((y) => y.year);
  const data = closed.data;

  async function download() {
    if (!selected) return;
    setDownloading(true);
    try {
      await downloadClosedPositionsCsv(selected.id, year, `realized-${selected.id}${year ? `-${year}` : ""}.csv`);
    } catch (error) {
      toast.error(t("downloadFailed", { message: error instanceof Error ? error.message : String(error) }));
    } finally {
      setDownloading(false);
    }
  }

  return (
    <div data-testid="closed-positions">
      <PageHeader
        title={t("title")}
        description={t("description", { name: selected.name })}
        actions={
          <>
            <PortfolioSwitcher portfolios={portfolios} selected={selected} onSelect={select} />
            <Select value={year === null ? ALL : String(year)} onValueChange={(v) => setYear(v === ALL ? null : Number(v))}>
              <SelectTrigger className="h-8 w-32" aria-label={t("year")} data-testid="closed-year-filter">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                <SelectItem value={ALL}>{t("allYears")}</SelectItem>
                {years.map((y) => (
                  <SelectItem key={y} value={String(y)}>
                    {y}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
            <Button variant="outline" size="sm" onClick={() => void download()} disabled={downloading} data-testid="closed-csv">
              <DownloadIcon /> {t("csv")}
            </Button>
          </>
        }
      />
      {closed.isLoading ? (
        <TableSkeleton rows={5} cols={7} />
      ) : closed.error ? (
        <ErrorState error={closed.error} onRetry={() => void closed.refetch()} />
      ) : !data || (data.years.length === 0 && data.sales.length === 0) ? (
        <EmptyState title={t("emptyTitle")} description={t("emptyText")} />
      ) : (
        <>
          <Section title={t("years.title")}>
            <YearTotalsTable years={data.years} />
          </Section>
          <Section title={t("positionsTitle")}>
            {data.results.length ? <ClosedPositionsTable rows={data.results} /> : <EmptyState title={t("noPositions")} />}
          </Section>
          <Section title={t("sales.title")}>
            {data.sales.length ? <SalesTable sales={data.sales} /> : <EmptyState title={t("noSales")} />}
          </Section>
        </>
      )}
    </div>
  );
}
