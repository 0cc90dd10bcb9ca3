// Whole numbers as Vietnamese investors type them: "108.600", "108600", "108 600" and "108,600"
// all mean 108,600 VND; quantities too ("1.000" is a thousand shares). VND has no minor unit and
// shares are whole, so a dot or comma is always a thousands separator, never a decimal point: a
// group that is not three digits ("108.6") is refused rather than guessed.

const GROUPED = /^\d{1,3}([.,\s]\d{3})+$/;
const PLAIN = /^\d+$/;
const CURRENCY = /\s*(₫|đ|vnd|vnđ)$/i;

export type ParsedWhole = { ok: true; value: string } | { ok: false; reason: "empty" | "invalid" };

/** The digits of a whole number typed with or without thousands separators ("108.600" -> "108600"). */
export function parseWhole(text: string | null | undefined): ParsedWhole {
  const trimmed = (text ?? "").replace(/\u00a0/g, " ").trim().replace(CURRENCY, "");
  if (trimmed === "") return { ok: false, reason: "empty" };
  let digits: string;
  if (PLAIN.test(trimmed)) digits = trimmed;
  else if (GROUPED.test(trimmed) && !mixesSeparators(trimmed)) digits = trimmed.replace(/[.,\s]/g, "");
  else return { ok: false, reason: "invalid" };
  const value = digits.replace(/^0+(?=\d)/, "");
  return { ok: true, value };
}

function mixesSeparators(text: string): boolean {
  return new Set(text.replace(/\d/g, "")).size > 1;
}

/** "108600" -> "108.600": how the form shows a number once typed (Vietnamese thousands dots). */
export function groupThousands(digits: string, separator = "."): string {
  if (!PLAIN.test(digits)) return digits;
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
}

/** The thousands separator of a client language: Vietnamese dots, English commas. */
export function thousandsSeparator(locale: string): string {
  return locale.startsWith("en") ? "," : ".";
}

/** A server number ("108600.00", 108600) as the form's text ("108.600"); "" for nothing. */
export function wholeText(value: string | number | null | undefined, separator = "."): string {
  if (value === null || value === undefined || value === "") return "";
  const n = Number(value);
  return Number.isFinite(n) ? groupThousands(String(Math.round(n)), separator) : String(value);
}
