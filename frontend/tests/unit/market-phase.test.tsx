import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, screen } from "@testing-library/react";
import { afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { loadTestMessages, renderIntl } from "./intl";
import { MarketPhaseChip } from "@/components/layout/status-badges";
import { keys } from "@/lib/api/queries";
import type { Locale } from "@/i18n/config";

// Sunday 6 Dec 2026, 08:00 in Vietnam: the exchange clock says the market is shut.
const SUNDAY_IN_VIETNAM = new Date("2026-12-06T01:00:00Z");

function renderChip(status: unknown, locale: Locale) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  if (status !== undefined) client.setQueryData(keys.summaryMarket, { market_status: status });
  return renderIntl(
    <QueryClientProvider client={client}>
      <MarketPhaseChip />
    </QueryClientProvider>,
    locale,
  );
}

beforeAll(loadTestMessages);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(SUNDAY_IN_VIETNAM);
  vi.stubGlobal("fetch", vi.fn(() => new Promise(() => {})));
});

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("MarketPhaseChip", () => {
  test("test_the_always_open_simulator_reads_as_an_open_simulated_market", () => {
    renderChip({ exchange: "HOSE", session: "continuous", is_open: true, always_open: true }, "vi");
    const chip = screen.getByTestId("market-phase");
    expect(chip.textContent).toBe("Thị trường mô phỏng · Khớp lệnh liên tục");
    expect(chip.dataset.open).toBe("true");
  });

  test("test_the_servers_session_wins_over_the_browsers_clock", () => {
    renderChip({ exchange: "HOSE", session: "lunch_break", is_open: false, always_open: false }, "en");
    expect(screen.getByTestId("market-phase").textContent).toBe("HOSE · Lunch break");
  });

  test("test_without_the_summary_the_exchange_clock_is_shown", () => {
    renderChip(undefined, "en");
    expect(screen.getByTestId("market-phase").textContent).toBe("HOSE · Closed (weekend)");
  });
});
