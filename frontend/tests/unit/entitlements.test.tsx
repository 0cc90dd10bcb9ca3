import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen, within } from "@testing-library/react";
import { NextIntlClientProvider } from "next-intl";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { EntitlementsView } from "@/components/events/entitlements-view";
import type { Locale } from "@/i18n/config";
import { loadMessages } from "@/i18n/messages";
import { keys } from "@/lib/api/queries";
import type { DividendCalendar, Entitlement, Portfolio } from "@/lib/api/types";

// The cash dividend of tests/portfolio/test_entitlements_api.py: 1,000 FPT, 2,000 VND a share.
const CASH: Entitlement = {
  id: 3,
  event: 12,
  symbol: "FPT",
  kind: "cash_dividend",
  status: "due",
  ex_date: "2026-06-15",
  record_date: "2026-06-16",
  payment_date: "2026-07-10",
  shares_held: "1000",
  cash_gross: "2000000",
  cash_tax: "100000",
  cash_net: "1900000",
  new_shares: "0",
  rights: "0",
  exercised: "0",
  ratio: "",
  subscription_price: null,
  subscription_start: null,
  subscription_end: null,
  applied_at: null,
  transactions: [],
  last_change: {},
};
const RIGHTS: Entitlement = {
  ...CASH,
  id: 4,
  event: 13,
  kind: "rights_issue",
  status: "pending",
  cash_gross: null,
  cash_tax: null,
  cash_net: null,
  rights: "300",
  ratio: "10:3",
  subscription_price: "10000",
};
const CALENDAR: DividendCalendar = {
  as_of: "2026-07-20",
  upcoming: [
    {
      event: 20,
      symbol: "VNM",
      kind: "cash_dividend",
      title: "",
      ex_date: "2026-08-10",
      record_date: null,
      payment_date: "2026-09-05",
      cash_per_share: "1500",
      ratio: "",
      subscription_price: null,
      held: false,
      watched: true,
      entitlement: null,
    },
  ],
  income_by_year: [{ year: 2026, gross: "2000000", tax: "100000", net: "1900000" }],
  pending_cash: "1900000",
};

beforeEach(() => {
  vi.stubGlobal("fetch", vi.fn(() => new Promise(() => {}))); // the query cache is seeded instead
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

async function show(locale: Locale) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  client.setQueryData(keys.portfolios, [{ id: 7, name: "Main", description: "" } as Portfolio]);
  client.setQueryData(keys.entitlements(7), [CASH, RIGHTS]);
  client.setQueryData(keys.dividendCalendar(7), CALENDAR);
  render(
    <NextIntlClientProvider locale={locale} messages={await loadMessages(locale)} timeZone="Asia/Ho_Chi_Minh">
      <QueryClientProvider client={client}>
        <EntitlementsView />
      </QueryClientProvider>
    </NextIntlClientProvider>,
  );
}

describe("the dividends page", () => {
  test("test_pending_entitlements_show_what_each_brings_and_the_due_one_can_be_applied", async () => {
    await show("vi");
    expect(screen.getByRole("heading", { name: "Quyền chờ về" })).toBeTruthy();
    const cash = screen.getByTestId("entitlement-FPT-cash_dividend");
    expect(within(cash).getByText("Cổ tức tiền mặt")).toBeTruthy();
    expect(cash.textContent).toContain("1.900.000");
    expect(within(cash).getByRole("button", { name: "Ghi nhận" })).toBeTruthy();
    const rights = screen.getByTestId("entitlement-FPT-rights_issue");
    expect(within(rights).getByText("Chờ về")).toBeTruthy();
    expect(within(rights).queryByRole("button")).toBeNull(); // the window has not opened
  });

  test("test_the_calendar_lists_upcoming_events_and_income_by_year_in_english", async () => {
    await show("en");
    expect(screen.getByRole("heading", { name: "Pending entitlements" })).toBeTruthy();
    const row = screen.getByTestId("calendar-VNM-2026-08-10");
    expect(within(row).getByText("Watched")).toBeTruthy();
    expect(row.textContent).toContain("per share");
    expect(screen.getByRole("heading", { name: "Dividend income by year" })).toBeTruthy();
    expect(screen.getByText("2026")).toBeTruthy();
  });
});
