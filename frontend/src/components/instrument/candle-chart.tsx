"use client";
import { useFormat } from "@/hooks/use-format";
import { CandlestickSeries, ColorType, createChart, HistogramSeries, type IChartApi, type ISeriesApi, type Time, type UTCTimestamp } from "lightweight-charts";
import { useTranslations } from "next-intl";
import { useTheme } from "next-themes";
import { useEffect, useRef } from "react";
import { foldTick, type ChartBar } from "@/lib/bars";
import { resolveCssColor } from "@/lib/css-color";
import { chartPriceFormat } from "@/lib/tick-size";
import { useQuotes } from "@/stores/quotes";

const VISIBLE_BARS = 70;

type Series = { candles: ISeriesApi<"Candlestick">; volume: ISeriesApi<"Histogram"> };

function palette() {
  return {
    text: resolveCssColor("var(--muted-foreground)"),
    grid: resolveCssColor("var(--border)", 0.6),
    up: resolveCssColor("var(--up)"),
    down: resolveCssColor("var(--down)"),
    upVolume: resolveCssColor("var(--up)", 0.35),
    downVolume: resolveCssColor("var(--down)", 0.35),
    border: resolveCssColor("var(--border)"),
  };
}

/** Candlesticks with volume; the last bar follows live ticks; the price axis sits on the tick grid. */
export function CandleChart({ symbol, interval, bars, exchange, type }: { symbol: string; interval: string; bars: ChartBar[]; exchange?: string; type?: string }) {
  const format = useFormat();
  const t = useTranslations("instrument");
  const container = useRef<HTMLDivElement>(null);
  const chartRef = useRef<IChartApi | null>(null);
  const seriesRef = useRef<Series | null>(null);
  const barsRef = useRef<ChartBar[]>([]);
  const colorsRef = useRef<ReturnType<typeof palette> | null>(null);
  const { resolvedTheme } = useTheme();

  useEffect(() => {
    if (!container.current) return;
    const colors = palette();
    colorsRef.current = colors;
    const chart = createChart(container.current, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: "transparent" }, textColor: colors.text, fontFamily: "Inter Variable, ui-sans-serif, system-ui", attributionLogo: false },
      grid: { vertLines: { color: colors.grid }, horzLines: { color: colors.grid } },
      rightPriceScale: { borderColor: colors.border },
      timeScale: { borderColor: colors.border, timeVisible: true, secondsVisible: false },
      crosshair: { mode: 0 },
    });
    const candles = chart.addSeries(CandlestickSeries, {
      upColor: colors.up,
      downColor: colors.down,
      borderUpColor: colors.up,
      borderDownColor: colors.down,
      wickUpColor: colors.up,
      wickDownColor: colors.down,
      priceFormat: { type: "price", precision: 0, minMove: 1 },
    });
    const volume = chart.addSeries(HistogramSeries, { priceScaleId: "volume", priceFormat: { type: "volume" }, lastValueVisible: false, priceLineVisible: false });
    chart.priceScale("volume").applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    candles.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.25 } });
    chartRef.current = chart;
    seriesRef.current = { candles, volume };
    return () => {
      chart.remove();
      chartRef.current = null;
      seriesRef.current = null;
    };
  }, []);

  // Axis and crosshair labels in the page's language; intraday bars show their time of day.
  useEffect(() => {
    chartRef.current?.applyOptions({
      localization: {
        locale: format.intlLocale,
        priceFormatter: (p: number) => format.formatNumber(p, { digits: type === "index" ? 2 : 0 }),
        timeFormatter: (time: Time) => (typeof time === "number" ? format.formatChartTime(time, interval !== "1d") : String(time)),
      },
    });
  }, [format, interval, type]);

  // Re-colour on theme change.
  useEffect(() => {
    const chart = chartRef.current;
    const series = seriesRef.current;
    if (!chart || !series) return;
    const colors = palette();
    colorsRef.current = colors;
    chart.applyOptions({ layout: { textColor: colors.text }, grid: { vertLines: { color: colors.grid }, horzLines: { color: colors.grid } } });
    series.candles.applyOptions({ upColor: colors.up, downColor: colors.down, borderUpColor: colors.up, borderDownColor: colors.down, wickUpColor: colors.up, wickDownColor: colors.down });
    series.volume.setData(barsRef.current.map((b) => volumePoint(b, colors)));
  }, [resolvedTheme]);

  useEffect(() => {
    const series = seriesRef.current;
    const colors = colorsRef.current;
    if (!series || !colors) return;
    barsRef.current = bars.map((b) => ({ ...b }));
    const highest = bars.reduce((max, b) => Math.max(max, b.high), 0);
    series.candles.applyOptions({ priceFormat: chartPriceFormat(exchange, type, highest) });
    series.candles.setData(barsRef.current.map(candlePoint));
    series.volume.setData(barsRef.current.map((b) => volumePoint(b, colors)));
    // Show the latest bars at a readable width (few bars sit on the right, not stretched).
    const n = barsRef.current.length;
    if (n > 0) chartRef.current?.timeScale().setVisibleLogicalRange({ from: n - VISIBLE_BARS, to: n + 2 });
  }, [bars, exchange, type]);

  // Live: fold each new tick into the open bar.
  const latest = useQuotes((s) => s.ticks[symbol]?.[0]);
  useEffect(() => {
    const series = seriesRef.current;
    const colors = colorsRef.current;
    if (!latest || !series || !colors || barsRef.current.length === 0) return;
    const bar = foldTick(barsRef.current, interval, latest.ts, Number(latest.price), Number(latest.volume ?? 0) || 0);
    if (!bar) return;
    series.candles.update(candlePoint(bar));
    series.volume.update(volumePoint(bar, colors));
  }, [latest, interval]);

  return <div ref={container} className="h-[340px] w-full sm:h-[420px]" data-testid="candle-chart" aria-label={t("chart", { symbol })} role="img" />;
}

function candlePoint(b: ChartBar) {
  return { time: b.time as UTCTimestamp, open: b.open, high: b.high, low: b.low, close: b.close };
}

function volumePoint(b: ChartBar, colors: ReturnType<typeof palette>) {
  return { time: b.time as UTCTimestamp, value: b.volume, color: b.close >= b.open ? colors.upVolume : colors.downVolume };
}
