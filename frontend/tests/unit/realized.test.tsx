import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { ClosedPositionsCard, ClosedPositionsTable, RealizedCell } from "@/components/portfolio/realized";
import { TransactionsView } from "@/components/portfolio/transactions-view";
import { keys } from "@/lib/api/queries";
import type { ClosedPosition, Portfolio, SaleRealized, Transaction } from "@/lib/api/types";

// The sale of tests/portfolio/test_realized_api.py (average cost): 1,500 FPT at 11,000.
const LOSS: SaleRealized = {
  quantity: "1500",
  gross: "16500000",
  fee: "24750",
  tax: "16500",
  proceeds: "16458750",
  cost: "16524750",
  realized_pnl: "-66000",
  realized_pnl_pct: "-0.40",
};

const CLOSED: ClosedPosition[] = [
  {
    symbol: "FPT",
    first_trade_date: "2025-03-04",
    last_trade_date: "2025-03-11",
    quantity: "2000",
    proceeds: "22942500",
    cost: "22033000",
    realized_pnl: "909500",
    realized_pnl_pct: "4.13",
    fees: "67500",
    taxes: "23000",
  },
];

beforeEach(() => {
  vi.stubGlobal("fetch", vi.fn(() => new Promise(() => {}))); // tests seed the query cache instead
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("realized P&L per sale", () => {
  test("test_a_sale_shows_its_realized_loss_in_red_with_proceeds_and_cost_in_the_tooltip", () => {
    const { container } = render(<RealizedCell realized={LOSS} />);
    const amount = screen.getByText("-66.000");
    expect(amount.className).toContain("text-down");
    expect(screen.getByText("-0,40%")).toBeTruthy();
    const title = container.querySelector("[title]")?.getAttribute("title") ?? "";
    expect(title).toContain("Proceeds 16.458.750 ₫");
    expect(title).toContain("cost 16.524.750 ₫");
  });

  test("test_rows_that_are_not_sales_show_a_dash", () => {
    render(<RealizedCell realized={null} />);
    expect(screen.getByText("—")).toBeTruthy();
  });
});

describe("closed positions", () => {
  test("test_each_closed_position_shows_its_dates_quantity_cost_proceeds_and_realized_gain", () => {
    render(<ClosedPositionsTable rows={CLOSED} />);
    const row = screen.getByTestId("closed-FPT-2025-03-11");
    const cells = within(row).getAllByRole("cell").map((cell) => cell.textContent);
    expect(cells).toEqual(["FPT", "04/03/2025 – 11/03/2025", "2.000", "22.033.000", "22.942.500", "67.500 / 23.000", "+909.500+4,13%"]);
    expect(within(row).getByText("+909.500").className).toContain("text-up");
  });

  test("test_the_card_lists_what_the_api_returned_and_says_when_nothing_is_closed", () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
    client.setQueryData(keys.closedPositions(7), { results: CLOSED });
    client.setQueryData(keys.closedPositions(8), { results: [] });
    render(
      <QueryClientProvider client={client}>
        <ClosedPositionsCard portfolioId={7} />
        <ClosedPositionsCard portfolioId={8} />
      </QueryClientProvider>,
    );
    expect(screen.getAllByTestId("closed-positions-table")).toHaveLength(1);
    expect(screen.getByText("No closed positions yet")).toBeTruthy();
  });
});

describe("the portfolio page", () => {
  test("test_the_transactions_table_has_a_realized_column_and_the_page_lists_closed_positions", () => {
    const portfolio = { id: 7, name: "Main", description: "" } as Portfolio;
    const row = (id: number, kind: string, realized: SaleRealized | null) =>
      ({ id, kind, symbol: "FPT", quantity: "1500", price: "11000", amount: null, fee: "24750", tax: "16500", trade_date: "2025-03-11", realized }) as unknown as Transaction;
    const client = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
    client.setQueryData(keys.portfolios, [portfolio]);
    client.setQueryData(keys.transactions(7, { page: 1, page_size: 20, ordering: "-trade_date" }), {
      count: 2,
      next: null,
      previous: null,
      results: [row(12, "SELL", LOSS), row(11, "BUY", null)],
    });
    client.setQueryData(keys.closedPositions(7), { results: CLOSED });
    render(
      <QueryClientProvider client={client}>
        <TransactionsView />
      </QueryClientProvider>,
    );
    const table = screen.getByTestId("transactions-table");
    expect(within(table).getByRole("columnheader", { name: "Realized P&L" })).toBeTruthy();
    expect(within(screen.getByTestId("tx-realized-12")).getByText("-66.000")).toBeTruthy();
    expect(screen.getByTestId("tx-realized-11").textContent).toBe("—");
    expect(within(screen.getByTestId("closed-positions")).getByText("+909.500")).toBeTruthy();
  });
});
