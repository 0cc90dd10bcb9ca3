import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, screen } from "@testing-library/react";
import { afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { loadTestMessages, renderIntl } from "./intl";
import { TradeDateField } from "@/components/portfolio/transaction-dialog";
import { keys } from "@/lib/api/queries";

// Friday 27 Nov 2026, 18:00 UTC: already Saturday 28 Nov in Vietnam, when the exchanges are shut.
const SATURDAY_IN_VIETNAM = new Date("2026-11-27T18:00:00Z");

function renderField(lastTradingDay: string | null, initial?: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  if (lastTradingDay) client.setQueryData(keys.summaryMarket, { last_trading_day: lastTradingDay });
  return renderIntl(
    <QueryClientProvider client={client}>
      <form>
        <TradeDateField initial={initial} />
      </form>
    </QueryClientProvider>,
    "en",
  );
}

const dateInput = () => screen.getByLabelText("Trade date") as HTMLInputElement;

beforeAll(loadTestMessages);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(SATURDAY_IN_VIETNAM);
  vi.stubGlobal("fetch", vi.fn(() => new Promise(() => {}))); // the summary is already in the cache
});

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("TradeDateField", () => {
  test("test_on_a_closed_day_a_new_entry_defaults_to_the_last_trading_day_and_says_so", () => {
    renderField("2026-11-27");
    expect(dateInput().value).toBe("2026-11-27");
    expect(dateInput().max).toBe("2026-11-28");
    expect(screen.getByText(/market is closed today/)).toBeTruthy();
  });

  test("test_a_date_the_user_picked_stays_and_the_hint_goes", () => {
    renderField("2026-11-27");
    fireEvent.change(dateInput(), { target: { value: "2026-11-28" } });
    expect(dateInput().value).toBe("2026-11-28");
    expect(screen.queryByText(/market is closed today/)).toBeNull();
  });

  test("test_an_edited_transaction_keeps_its_own_date", () => {
    renderField("2026-11-27", "2026-03-04");
    expect(dateInput().value).toBe("2026-03-04");
  });

  test("test_before_the_summary_loads_it_is_today", () => {
    renderField(null);
    expect(dateInput().value).toBe("2026-11-28");
  });

  test("test_on_a_trading_day_it_is_today_without_a_hint", () => {
    vi.setSystemTime(new Date("2026-11-26T03:00:00Z")); // Thursday 10:00 in Vietnam
    renderField("2026-11-26");
    expect(dateInput().value).toBe("2026-11-26");
    expect(screen.queryByText(/market is closed today/)).toBeNull();
  });
});
