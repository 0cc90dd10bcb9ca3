// Numbers, money and dates in the client's language, always in Vietnam time:
//   vi: 1.234.500 ₫, +1,25%, 1,2 tỷ, 27/11/2025 14:30:05
//   en: 1,234,500 VND, +1.25%, 1.2B, 27 Nov 2025 14:30:05
// createFormatters(locale) gives the pure functions (tested with vitest); components use useFormat().
import { INTL_LOCALE, type Locale } from "@/i18n/config";

export const VN_TZ = "Asia/Ho_Chi_Minh";

type Numeric = string | number | null | undefined;

export function toNumber(value: Numeric): number | null {
  if (value === null || value === undefined || value === "") return null;
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

type DateInput = string | number | Date | null | undefined;

function toDate(value: DateInput): Date | null {
  if (value === null || value === undefined || value === "") return null;
  // A bare "YYYY-MM-DD" is a calendar date: pin it to noon in Vietnam so no time zone shifts the day.
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(`${value}T12:00:00+07:00`);
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Units for short large amounts, largest first. */
const COMPACT_UNITS: Record<Locale, readonly [number, string][]> = {
  vi: [
    [1e9, " tỷ"],
    [1e6, " tr"],
    [1e3, " N"],
  ],
  en: [
    [1e9, "B"],
    [1e6, "M"],
    [1e3, "K"],
  ],
};

/** Date patterns: vi dd/MM/yyyy, en "27 Nov 2025" (a day-first English date no reader takes for MM/dd). */
const DATE_OPTIONS: Record<Locale, Intl.DateTimeFormatOptions> = {
  vi: { day: "2-digit", month: "2-digit", year: "numeric" },
  en: { day: "2-digit", month: "short", year: "numeric" },
};
const SHORT_DATE_OPTIONS: Record<Locale, Intl.DateTimeFormatOptions> = {
  vi: { day: "2-digit", month: "2-digit" },
  en: { day: "2-digit", month: "short" },
};
/** The Intl locale for dates: en-GB writes the day first. */
const DATE_LOCALE: Record<Locale, string> = { vi: "vi-VN", en: "en-GB" };

export type Formatters = ReturnType<typeof makeFormatters>;

function makeFormatters(locale: Locale) {
  const intl = INTL_LOCALE[locale];
  const integerFormat = new Intl.NumberFormat(intl, { maximumFractionDigits: 0 });
  // One Intl.NumberFormat per digit count: building one costs far more than formatting (the price
  // board formats thousands of prices a second).
  const fixedFormats = new Map<number, Intl.NumberFormat>();
  const fixed = (digits: number) => {
    let format = fixedFormats.get(digits);
    if (!format) {
      format = new Intl.NumberFormat(intl, { minimumFractionDigits: digits, maximumFractionDigits: digits });
      fixedFormats.set(digits, format);
    }
    return format;
  };
  const dateFormat = new Intl.DateTimeFormat(DATE_LOCALE[locale], { timeZone: VN_TZ, ...DATE_OPTIONS[locale] });
  const shortDateFormat = new Intl.DateTimeFormat(DATE_LOCALE[locale], { timeZone: VN_TZ, ...SHORT_DATE_OPTIONS[locale] });
  const timeFormat = new Intl.DateTimeFormat(intl, { timeZone: VN_TZ, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });

  /** A price or quantity with thousands separators and no currency: "95.300" / "95,300". */
  function formatNumber(value: Numeric, { signed = false, digits = 0 }: { signed?: boolean; digits?: number } = {}): string {
    const n = toNumber(value);
    if (n === null) return "—";
    const text = digits === 0 ? integerFormat.format(Math.round(n)) : fixed(digits).format(n);
    return signed && n > 0 ? `+${text}` : text;
  }

  /** Whole VND (VND has no minor unit): "1.234.500 ₫" / "1,234,500 VND". */
  function formatVnd(value: Numeric, { signed = false }: { signed?: boolean } = {}): string {
    const n = toNumber(value);
    if (n === null) return "—";
    const text = `${integerFormat.format(Math.round(n))} ${locale === "vi" ? "₫" : "VND"}`;
    return signed && n > 0 ? `+${text}` : text;
  }

  /** change_pct arrives as a percentage ("1.25" means +1,25% / +1.25%). */
  function formatPercent(value: Numeric, { signed = true, digits = 2 }: { signed?: boolean; digits?: number } = {}): string {
    const n = toNumber(value);
    if (n === null) return "—";
    return `${signed && n > 0 ? "+" : ""}${fixed(digits).format(n)}%`;
  }

  /** A ratio (0.0125) as a percentage ("+1,25%"). */
  function formatRatio(value: Numeric, options?: { signed?: boolean; digits?: number }): string {
    const n = toNumber(value);
    return n === null ? "—" : formatPercent(n * 100, options);
  }

  /** Short large amounts: vi 1,25 tỷ, 12,3 tr, 950 N; en 1.25B, 12.3M, 950K. */
  function formatCompact(value: Numeric): string {
    const n = toNumber(value);
    if (n === null) return "—";
    const abs = Math.abs(n);
    const sign = n < 0 ? "-" : "";
    for (const [size, unit] of COMPACT_UNITS[locale]) {
      if (abs >= size) {
        const x = abs / size;
        const digits = x >= 100 ? 0 : x >= 10 ? 1 : 2;
        return `${sign}${new Intl.NumberFormat(intl, { maximumFractionDigits: digits }).format(x)}${unit}`;
      }
    }
    return integerFormat.format(n);
  }

  /** "27/11/2025" / "27 Nov 2025" in Vietnam time. */
  function formatDate(value: DateInput): string {
    const d = toDate(value);
    return d ? dateFormat.format(d) : "—";
  }

  /** "14:30:05" in Vietnam time. */
  function formatTime(value: DateInput): string {
    const d = toDate(value);
    return d ? timeFormat.format(d) : "—";
  }

  /** "27/11/2025 14:30:05" in Vietnam time. */
  function formatDateTime(value: DateInput): string {
    const d = toDate(value);
    return d ? `${dateFormat.format(d)} ${timeFormat.format(d)}` : "—";
  }

  /** "27/11" / "27 Nov" in Vietnam time (chart axes). */
  function formatShortDate(value: DateInput): string {
    const d = toDate(value);
    if (!d) return "—";
    if (locale === "en") return shortDateFormat.format(d);
    // vi-VN writes a day and month alone as "16-02"; its full dates use "/".
    const parts = shortDateFormat.formatToParts(d);
    const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
    return `${part("day")}/${part("month")}`;
  }

  const chartDate = new Intl.DateTimeFormat(DATE_LOCALE[locale], { timeZone: "UTC", ...DATE_OPTIONS[locale] });
  const chartTime = new Intl.DateTimeFormat(intl, { timeZone: "UTC", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

  /** A chart's crosshair time: its bars carry Vietnam wall-clock time as if it were UTC (see lib/bars.ts). */
  function formatChartTime(seconds: number, withTime: boolean): string {
    const d = new Date(seconds * 1000);
    return withTime ? `${chartDate.format(d)} ${chartTime.format(d)}` : chartDate.format(d);
  }

  return {
    locale,
    intlLocale: intl,
    formatChartTime,
    formatNumber,
    formatPrice: (value: Numeric, options?: { signed?: boolean }) => formatNumber(value, options),
    formatQuantity: (value: Numeric) => formatNumber(value),
    formatVnd,
    formatPercent,
    formatRatio,
    formatCompact,
    formatDate,
    formatTime,
    formatDateTime,
    formatShortDate,
  };
}

const cache = new Map<Locale, Formatters>();

/** The formatters of one language (built once per language). */
export function createFormatters(locale: Locale): Formatters {
  let formatters = cache.get(locale);
  if (!formatters) {
    formatters = makeFormatters(locale);
    cache.set(locale, formatters);
  }
  return formatters;
}

/** Today's calendar date in Vietnam as YYYY-MM-DD. */
export function todayInVietnam(now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: VN_TZ, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
  return parts;
}

export type PriceTone = "ceiling" | "floor" | "ref" | "up" | "down" | "none";

/** Vietnamese board colours: ceiling purple, floor cyan, reference yellow, up green, down red. */
export function priceTone(price: Numeric, reference: Numeric, ceiling?: Numeric, floor?: Numeric): PriceTone {
  const p = toNumber(price);
  const ref = toNumber(reference);
  if (p === null || ref === null) return "none";
  const c = toNumber(ceiling);
  const f = toNumber(floor);
  if (c !== null && p >= c) return "ceiling";
  if (f !== null && p <= f) return "floor";
  if (p > ref) return "up";
  if (p < ref) return "down";
  return "ref";
}

/** Tone from a signed change alone (P&L, day change). */
export function changeTone(change: Numeric): PriceTone {
  const n = toNumber(change);
  if (n === null) return "none";
  return n > 0 ? "up" : n < 0 ? "down" : "ref";
}

export const toneClass: Record<PriceTone, string> = {
  ceiling: "text-ceiling",
  floor: "text-floor",
  ref: "text-ref",
  up: "text-up",
  down: "text-down",
  none: "text-foreground",
};

export const toneBgClass: Record<PriceTone, string> = {
  ceiling: "bg-ceiling",
  floor: "bg-floor",
  ref: "bg-ref",
  up: "bg-up",
  down: "bg-down",
  none: "bg-muted",
};
