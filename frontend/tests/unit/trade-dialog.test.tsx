import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { loadTestMessages, renderIntl } from "./intl";
import { TransactionDialog } from "@/components/portfolio/transaction-dialog";
import { keys } from "@/lib/api/queries";
import { todayInVietnam } from "@/lib/format";

vi.mock("@/lib/api/session", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/api/session")>()),
  getAccessToken: async () => "access-token",
  refreshSession: async () => null,
}));

const VNM = { symbol: "VNM", exchange: "HOSE", type: "stock", name: "Công ty CP Sữa Việt Nam", name_en: "Vietnam Dairy Products JSC", short_name: "Vinamilk", industry: "", lot_size: 100, listed_shares: null, is_active: true, groups: ["VN30"] };
const FOX = { ...VNM, symbol: "FOX", exchange: "UPCOM", name: "Công ty CP Viễn thông FPT", name_en: "FPT Telecom", short_name: "" };
const FPT = { ...VNM, symbol: "FPT", name: "Công ty CP FPT", name_en: "FPT Corporation", short_name: "FPT" };
const PREVIEW = {
  kind: "BUY",
  symbol: "VNM",
  quantity: "1000",
  price: "61000",
  amount: null,
  fee: "91500",
  tax: "0",
  fee_is_derived: true,
  tax_is_derived: true,
  trade_date: "",
  settle_date: "2026-12-09",
  gross: "61000000",
  net_cash_effect: "-61091500",
  cash_after: "938908500",
  quantity_after: "1000",
  average_cost_after: "61092",
  realized: null,
  odd_lot: false,
  accepted: true,
  problems: [],
};

type Call = { url: string; method: string; body: unknown };
let calls: Call[] = [];
let previewAnswer: () => Response;

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

beforeAll(loadTestMessages);

beforeEach(() => {
  calls = [];
  previewAnswer = () => json(200, { ...PREVIEW, trade_date: todayInVietnam() });
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const method = init.method ?? "GET";
      calls.push({ url, method, body: init.body ? JSON.parse(String(init.body)) : undefined });
      if (url.startsWith("/api/market/instruments/")) {
        const search = new URL(url, "http://client").searchParams.get("search")?.toLowerCase();
        const results = search === "sua" || search === "vnm" ? [VNM] : search === "fpt" ? [FOX, FPT] : [];
        return json(200, { count: results.length, results });
      }
      if (url.startsWith("/api/market/quotes/")) {
        return json(200, [{ symbol: "VNM", price: "61000", reference_price: "60000", ceiling_price: "64200", floor_price: "55800" }]);
      }
      if (url.endsWith("/transactions/preview/")) return previewAnswer();
      if (url.endsWith("/transactions/") && method === "POST") {
        return json(400, {
          error: {
            code: "price_off_tick_grid",
            message: "VNM: 61,050 VND is not on the HOSE price grid",
            fields: { price: ["61,050 VND is not on the HOSE price grid"], tick_size: "100", nearest_prices: ["61000", "61100"] },
          },
        });
      }
      return json(404, { error: { code: "not_found", message: "Not found." } });
    }),
  );
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderDialog(locale: "en" | "vi" = "en") {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  client.setQueryData(keys.summaryMarket, { last_trading_day: todayInVietnam() });
  return renderIntl(
    <QueryClientProvider client={client}>
      <TransactionDialog portfolioId={7} open onOpenChange={() => {}} />
    </QueryClientProvider>,
    locale,
  );
}

const input = (label: RegExp) => screen.getByLabelText(label) as HTMLInputElement;

describe("TransactionDialog", () => {
  test("test_a_name_without_accents_finds_the_symbol_and_the_keyboard_picks_it", async () => {
    renderDialog();
    const symbol = input(/^Symbol/);
    fireEvent.change(symbol, { target: { value: "sua" } });
    const option = await screen.findByRole("option", { name: /VNM/ }, { timeout: 3000 });
    expect(option.textContent).toContain("Vinamilk");
    fireEvent.keyDown(symbol, { key: "Enter" });
    expect(symbol.value).toBe("VNM");
    expect(screen.queryByRole("listbox")).toBeNull();
  });

  test("test_the_ticker_typed_exactly_is_offered_first", async () => {
    renderDialog();
    const symbol = input(/^Symbol/);
    fireEvent.change(symbol, { target: { value: "fpt" } });
    const list = await screen.findByRole("listbox", {}, { timeout: 3000 });
    const options = await within(list).findAllByRole("option");
    expect(options.map((o) => o.textContent?.slice(0, 3))).toEqual(["FPT", "FOX"]);
    fireEvent.keyDown(symbol, { key: "ArrowDown" });
    fireEvent.keyDown(symbol, { key: "Enter" });
    expect(symbol.value).toBe("FOX");
  });

  test("test_a_half_typed_symbol_asks_for_no_quote", async () => {
    renderDialog();
    fireEvent.change(input(/^Symbol/), { target: { value: "qua" } });
    await screen.findByText(/No instrument matches/, {}, { timeout: 3000 });
    expect(calls.filter((c) => c.url.startsWith("/api/market/quotes/"))).toEqual([]);
    fireEvent.change(input(/^Symbol/), { target: { value: "VNM" } });
    await waitFor(() => expect(input(/^Price/).value).toBe("61,000"), { timeout: 3000 });
    expect(calls.filter((c) => c.url.startsWith("/api/market/quotes/")).map((c) => c.url)).toEqual(["/api/market/quotes/?symbols=VNM"]);
  });

  test("test_todays_price_is_prefilled_and_the_server_preview_is_shown", async () => {
    renderDialog();
    fireEvent.change(input(/^Symbol/), { target: { value: "VNM" } });
    await waitFor(() => expect(input(/^Price/).value).toBe("61,000"), { timeout: 3000 });
    fireEvent.change(input(/^Quantity/), { target: { value: "1,000" } });

    const preview = screen.getByTestId("trade-preview");
    await waitFor(() => expect(preview.textContent).toContain("-61,091,500 VND"), { timeout: 3000 });
    const sent = calls.filter((c) => c.url.endsWith("/transactions/preview/")).at(-1);
    expect(sent?.body).toEqual({ kind: "BUY", symbol: "VNM", quantity: 1000, price: "61000", trade_date: todayInVietnam() });
    expect(preview.textContent).toContain("The ledger accepts it.");
  });

  test("test_a_preview_problem_and_a_refused_write_show_beside_their_fields", async () => {
    previewAnswer = () =>
      json(200, {
        ...PREVIEW,
        accepted: false,
        problems: [{ code: "insufficient_cash", message: "needs", severity: "error", transaction_id: null, details: { available: "5000000", requested: "61091500" } }],
      });
    renderDialog();
    fireEvent.change(input(/^Symbol/), { target: { value: "VNM" } });
    fireEvent.change(input(/^Quantity/), { target: { value: "1000" } });
    fireEvent.change(input(/^Price/), { target: { value: "61050" } });
    await waitFor(() => expect(screen.getByTestId("preview-problems").textContent).toContain("needs 61,091,500 VND, 5,000,000 VND available"), { timeout: 3000 });

    fireEvent.submit(screen.getByRole("form", { name: "Transaction" }));
    const error = await screen.findByTestId("error-tx-price");
    expect(error.textContent).toBe("Not on the exchange's price steps (100 VND here): use 61,000 or 61,100.");
  });

  test("test_submitting_an_incomplete_form_says_what_is_missing_and_sends_nothing", async () => {
    renderDialog();
    fireEvent.submit(screen.getByRole("form", { name: "Transaction" }));
    expect((await screen.findByTestId("error-tx-symbol")).textContent).toBe("Required.");
    expect(screen.getByTestId("error-tx-quantity").textContent).toBe("Required.");
    fireEvent.change(input(/^Quantity/), { target: { value: "1.0" } });
    expect(screen.getByTestId("error-tx-quantity").textContent).toBe("Whole number, e.g. 108,600 or 108600.");
    expect(calls.filter((c) => c.method === "POST")).toEqual([]);
  });

  test("test_in_vietnamese_the_form_speaks_vietnamese_and_takes_thousands_dots", async () => {
    renderDialog("vi");
    expect(screen.getByRole("heading", { name: "Thêm giao dịch" })).toBeTruthy();
    fireEvent.change(input(/^Mã CK/), { target: { value: "VNM" } });
    await waitFor(() => expect(input(/^Giá/).value).toBe("61.000"), { timeout: 3000 });
    fireEvent.change(input(/^Khối lượng/), { target: { value: "1.000" } });
    await waitFor(() => expect(screen.getByTestId("trade-preview").textContent).toContain("Sổ giao dịch chấp nhận."), { timeout: 3000 });
    const sent = calls.filter((c) => c.url.endsWith("/transactions/preview/")).at(-1);
    expect(sent?.body).toMatchObject({ quantity: 1000, price: "61000" });
    fireEvent.submit(screen.getByRole("form", { name: "Giao dịch" }));
    expect((await screen.findByTestId("error-tx-price")).textContent).toBe("Giá không đúng bước giá của sàn (100 ₫): dùng 61.000 hoặc 61.100.");
  });
});
