import { VN_TZ } from "./format";

export type MarketPhase = { label: string; open: boolean };

/** HOSE trading phase at `now` in Vietnam time (weekends closed; the holiday table lives server-side). */
export function hosePhase(now: Date = new Date()): MarketPhase {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: VN_TZ, weekday: "short", hour: "2-digit", minute: "2-digit", hour12: false }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const weekday = get("weekday");
  const minutes = Number(get("hour")) * 60 + Number(get("minute"));
  if (weekday === "Sat" || weekday === "Sun") return { label: "Closed (weekend)", open: false };
  const at = (h: number, m: number) => h * 60 + m;
  if (minutes < at(9, 0)) return { label: "Pre-open", open: false };
  if (minutes < at(9, 15)) return { label: "ATO", open: true };
  if (minutes < at(11, 30)) return { label: "Continuous", open: true };
  if (minutes < at(13, 0)) return { label: "Lunch break", open: false };
  if (minutes < at(14, 30)) return { label: "Continuous", open: true };
  if (minutes < at(14, 45)) return { label: "ATC", open: true };
  if (minutes < at(15, 0)) return { label: "Put-through", open: false };
  return { label: "Closed", open: false };
}
