import { VN_TZ } from "./format";

export type MarketPhaseKey = "weekend" | "preOpen" | "ato" | "continuous" | "lunch" | "atc" | "putThrough" | "closed";
export type MarketPhase = { key: MarketPhaseKey; open: boolean };

/** HOSE trading phase at `now` in Vietnam time (weekends closed; the holiday table lives server-side). */
export function hosePhase(now: Date = new Date()): MarketPhase {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: VN_TZ, weekday: "short", hour: "2-digit", minute: "2-digit", hour12: false }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const weekday = get("weekday");
  const minutes = Number(get("hour")) * 60 + Number(get("minute"));
  if (weekday === "Sat" || weekday === "Sun") return { key: "weekend", open: false };
  const at = (h: number, m: number) => h * 60 + m;
  if (minutes < at(9, 0)) return { key: "preOpen", open: false };
  if (minutes < at(9, 15)) return { key: "ato", open: true };
  if (minutes < at(11, 30)) return { key: "continuous", open: true };
  if (minutes < at(13, 0)) return { key: "lunch", open: false };
  if (minutes < at(14, 30)) return { key: "continuous", open: true };
  if (minutes < at(14, 45)) return { key: "atc", open: true };
  if (minutes < at(15, 0)) return { key: "putThrough", open: false };
  return { key: "closed", open: false };
}
