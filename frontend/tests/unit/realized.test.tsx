import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, screen, within } from "@testing-library/react";
import { afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { ClosedPositionsCard, ClosedPositionsTable, RealizedCell } from "@/components/portfolio/realized";
import { TransactionsView } from "@/components/portfolio/transactions-view";
import { keys } from "@/lib/api/queries";
import type { ClosedPosition, Portfolio, SaleRealized, Transaction } from "@/lib/api/types";
import { loadTestMessages, renderIntl } from "./intl";

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

beforeAll(loadTestMessages);

beforeEach(() => {
  vi.stubGlobal("fetch", vi.fn(() => new Promise(() => {}))); // tests seed the query cache instead
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("realized P&L per sale", () => {
  test("test_a_sale_shows_its_realized_loss_in_red_with_proceeds_and_cost_in_the_tooltip", () => {
    const { container } = renderIntl(<RealizedCell realized={LOSS} />);
    const amount = screen.getByText("-66.000");
    expect(amount.className).toContain("text-down");
    expect(screen.getByText("-0,40%")).toBeTruthy();
    const title = container.querySelector("[title]")?.getAttribute("title") ?? "";
    expect(title).toContain("Tiền bán 16.458.750 ₫");
    expect(title).toContain("giá vốn 16.524.750 ₫");
  });

  test("test_rows_that_are_not_sales_show_a_dash", () => {
    renderIntl(<RealizedCell realized={null} />);
    expect(screen.getByText("—")).toBeTruthy();
  });
});

describe("closed positions", () => {
  test("test_each_closed_position_shows_its_dates_quantity_cost_proceeds_and_realized_gain", () => {
    renderIntl(<ClosedPositionsTable rows={CLOSED} />);
    const row = screen.getByTestId("closed-FPT-2025-03-11");
    const cells = within(row).getAllByRole("cell").map((cell) => cell.textContent);
    expect(cells).toEqual(["FPT", "04/03/2025 – 11/03/2025", "2.000", "22.033.000", "22.942.500", "67.500 / 23.000", "+909.500+4,13%"]);
    expect(within(row).getByText("+909.500").className).toContain("text-up");
  });

  test("test_the_card_lists_what_the_api_returned_and_says_when_nothing_is_closed", () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
    client.setQueryData(keys.closedPositions(7), { results: CLOSED });
    client.setQueryData(keys.closedPositions(8), { results: [] });
    renderIntl(
      <QueryClientProvider client={client}>
        <ClosedPositionsCard portfolioId={7} />
        <ClosedPositionsCard portfolioId={8} />
      </QueryClientProvider>,
    );
    expect(screen.getAllByTestId("closed-positions-table")).toHaveLength(1);
    expect(screen.getByText("Chưa có vị thế nào đã đóng")).toBeTruthy();
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
    renderIntl(
      <QueryClientProvider client={client}>
        <TransactionsView />
      </QueryClientProvider>,
    );
    const table = screen.getByTestId("transactions-table");
    expect(within(table).getByRole("columnheader", { name: "Lãi/lỗ đã thực hiện" })).toBeTruthy();
    expect(within(screen.getByTestId("tx-realized-12")).getByText("-66.000")).toBeTruthy();
    expect(screen.getByTestId("tx-realized-11").textContent).toBe("—");
    expect(within(screen.getByTestId("closed-positions")).getByText("+909.500")).toBeTruthy();
  });

  function seedPortfolioPage() {
    const portfolio = { id: 7, name: "Main", description: "" } as Portfolio;
    const row = (id: number, kind: string, realized: SaleRealized | null) =>
      ({ id, kind, symbol: "FPT", quantity: "1500", price: "11000", amount: null, fee: "24750", tax: "16500", trade_date: "2025-03-11", realized }) as unknown as Transaction;
    const client = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
    client.setQueryData(keys.portfolios, [portfolio]);
    client.setQueryData(keys.transactions(7, { page: 1, page_size: 20, ordering: "-trade_date" }), {
      count: 45,
      next: "?page=2",
      previous: null,
      results: [row(12, "SELL", LOSS), row(11, "BUY", null)],
    });
    client.setQueryData(keys.closedPositions(7), { results: [] });
    return client;
  }

  test("test_phones_get_one_card_per_transaction_with_everything_the_table_shows", () => {
    renderIntl(
      <QueryClientProvider client={seedPortfolioPage()}>
        <TransactionsView />
      </QueryClientProvider>,
    );
    // The table hides below 640 px (sm:table) and the cards above it (sm:hidden).
    expect(screen.getByTestId("transactions-table").className).toContain("hidden sm:table");
    const cards = screen.getByTestId("transactions-cards");
    expect(cards.className).toContain("sm:hidden");
    const sale = within(screen.getByTestId("tx-card-12"));
    expect(sale.getByText("Bán")).toBeTruthy();
    expect(sale.getByText("1.500 × 11.000")).toBeTruthy();
    expect(sale.getByText("Phí 24.750 · thuế 16.500")).toBeTruthy();
    expect(sale.getByText("+16.458.750")).toBeTruthy(); // cash effect: 16,500,000 - fee - tax
    expect(within(screen.getByTestId("tx-card-realized-12")).getByText("-66.000")).toBeTruthy();
    expect(within(screen.getByTestId("tx-card-11")).getByText("-16.524.750")).toBeTruthy();
    const pagination = within(screen.getByTestId("transactions-pagination"));
    expect(pagination.getByText("Trang 1/3")).toBeTruthy();
    expect(pagination.getByRole("option", { name: "20 / trang" })).toBeTruthy();
  });

  test("test_the_page_speaks_english_with_english_numbers", () => {
    renderIntl(
      <QueryClientProvider client={seedPortfolioPage()}>
        <TransactionsView />
      </QueryClientProvider>,
      "en",
    );
    expect(within(screen.getByTestId("transactions-table")).getByRole("columnheader", { name: "Realized P&L" })).toBeTruthy();
    expect(within(screen.getByTestId("tx-card-12")).getByText("Sell")).toBeTruthy();
    expect(within(screen.getByTestId("tx-card-12")).getByText("1,500 × 11,000")).toBeTruthy();
    expect(within(screen.getByTestId("tx-realized-12")).getByText("-66,000")).toBeTruthy();
    expect(screen.getByText("45 transactions")).toBeTruthy();
    expect(within(screen.getByTestId("transactions-pagination")).getByText("Page 1 of 3")).toBeTruthy();
  });
});
