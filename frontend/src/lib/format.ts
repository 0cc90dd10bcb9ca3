// Vietnamese number and date formats: 1.234.500 ₫, 1,25%, 27/11/2025 14:30 (Asia/Ho_Chi_Minh).

export const VN_TZ = "Asia/Ho_Chi_Minh";
const LOCALE = "vi-VN";

type Numeric = string | number | null | undefined;

export function toNumber(value: Numeric): number | null {
  if (value === null || value === undefined || value === "") return null;
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

const integerFormat = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const vndFormat = new Intl.NumberFormat(LOCALE, {
  style: "currency",
  currency: "VND",
  maximumFractionDigits: 0,
});

/** "1.234.500 ₫" (whole VND; VND has no minor unit). */
export function formatVnd(value: Numeric, { signed = false }: { signed?: boolean } = {}): string {
  const n = toNumber(value);
  if (n === null) return "—";
  const text = vndFormat.format(Math.round(n)).replace(/\u00a0/g, " ");
  return signed && n > 0 ? `+${text}` : text;
}

/** A price or quantity with thousands separators and no currency: "95.300". */
export function formatNumber(value: Numeric, { signed = false, digits = 0 }: { signed?: boolean; digits?: number } = {}): string {
  const n = toNumber(value);
  if (n === null) return "—";
  const text =
    digits === 0
      ? integerFormat.format(Math.round(n))
      : new Intl.NumberFormat(LOCALE, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
  return signed && n > 0 ? `+${text}` : text;
}

export const formatPrice = (value: Numeric, options?: { signed?: boolean }) => formatNumber(value, options);
export const formatQuantity = (value: Numeric) => formatNumber(value);

/** change_pct arrives as a percentage ("1.25" means 1,25%). */
export function formatPercent(value: Numeric, { signed = true, digits = 2 }: { signed?: boolean; digits?: number } = {}): string {
  const n = toNumber(value);
  if (n === null) return "—";
  const text = new Intl.NumberFormat(LOCALE, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
  return `${signed && n > 0 ? "+" : ""}${text}%`;
}

/** A ratio (0.0125) as a percentage ("+1,25%"). */
export function formatRatio(value: Numeric, options?: { signed?: boolean; digits?: number }): string {
  const n = toNumber(value);
  return n === null ? "—" : formatPercent(n * 100, options);
}

/** Short large amounts in Vietnamese units: 1,25 tỷ, 12,3 tr, 950 N. */
export function formatCompact(value: Numeric): string {
  const n = toNumber(value);
  if (n === null) return "—";
  const abs = Math.abs(n);
  const short = (x: number, unit: string) =>
    `${new Intl.NumberFormat(LOCALE, { maximumFractionDigits: x >= 100 ? 0 : x >= 10 ? 1 : 2 }).format(x)} ${unit}`;
  const sign = n < 0 ? "-" : "";
  if (abs >= 1e9) return sign + short(abs / 1e9, "tỷ");
  if (abs >= 1e6) return sign + short(abs / 1e6, "tr");
  if (abs >= 1e3) return sign + short(abs / 1e3, "N");
  return integerFormat.format(n);
}

const dateFormat = new Intl.DateTimeFormat(LOCALE, { timeZone: VN_TZ, day: "2-digit", month: "2-digit", year: "numeric" });
const timeFormat = new Intl.DateTimeFormat(LOCALE, { timeZone: VN_TZ, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
const shortDateFormat = new Intl.DateTimeFormat(LOCALE, { timeZone: VN_TZ, day: "2-digit", month: "2-digit" });

function toDate(value: string | number | Date | null | undefined): Date | null {
  if (value === null || value === undefined || value === "") return null;
  // A bare "YYYY-MM-DD" is a calendar date: pin it to noon in Vietnam so no time zone shifts the day.
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(`${value}T12:00:00+07:00`);
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "27/11/2025" in Vietnam time. */
export function formatDate(value: string | number | Date | null | undefined): string {
  const d = toDate(value);
  return d ? dateFormat.format(d) : "—";
}

/** "14:30:05" in Vietnam time. */
export function formatTime(value: string | number | Date | null | undefined): string {
  const d = toDate(value);
  return d ? timeFormat.format(d) : "—";
}

/** "27/11/2025 14:30:05" in Vietnam time. */
export function formatDateTime(value: string | number | Date | null | undefined): string {
  const d = toDate(value);
  return d ? `${dateFormat.format(d)} ${timeFormat.format(d)}` : "—";
}

/** "27/11" in Vietnam time (chart axes). */
export function formatShortDate(value: string | number | Date | null | undefined): string {
  const d = toDate(value);
  return d ? shortDateFormat.format(d) : "—";
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
