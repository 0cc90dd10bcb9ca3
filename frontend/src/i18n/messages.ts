// Message files live in messages/<locale>/<namespace>.json; the file name is the namespace.
// Adding a namespace takes 2 lines: its name in NAMESPACES and its type in Messages.
import type { Locale } from "./config";

export const NAMESPACES = ["common", "nav", "errors", "auth", "dashboard", "portfolio", "market", "instrument", "watchlist", "alerts", "trade", "events", "closed", "overview", "board"] as const;

export type Messages = {
  common: typeof import("../../messages/en/common.json");
  nav: typeof import("../../messages/en/nav.json");
  errors: typeof import("../../messages/en/errors.json");
  auth: typeof import("../../messages/en/auth.json");
  dashboard: typeof import("../../messages/en/dashboard.json");
  portfolio: typeof import("../../messages/en/portfolio.json");
  market: typeof import("../../messages/en/market.json");
  instrument: typeof import("../../messages/en/instrument.json");
  watchlist: typeof import("../../messages/en/watchlist.json");
  alerts: typeof import("../../messages/en/alerts.json");
  trade: typeof import("../../messages/en/trade.json");
  events: typeof import("../../messages/en/events.json");
  closed: typeof import("../../messages/en/closed.json");
  overview: typeof import("../../messages/en/overview.json");
  board: typeof import("../../messages/en/board.json");
};

export type Namespace = (typeof NAMESPACES)[number];
// Compile-time check that NAMESPACES and Messages name the same namespaces.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const namespacesMatchTypes: Same<Namespace, keyof Messages> = true;
void namespacesMatchTypes;

export async function loadMessages(locale: Locale): Promise<Messages> {
  const entries = await Promise.all(
    NAMESPACES.map(async (namespace) => [namespace, (await import(`../../messages/${locale}/${namespace}.json`)).default] as const),
  );
  return Object.fromEntries(entries) as Messages;
}
