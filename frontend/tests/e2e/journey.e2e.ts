// The investor's journey through the real stack (Next.js server -> Django, Channels, Celery,
// Redis, PostgreSQL/SQLite, the simulated feed), in the language E2E_LOCALE (vi or en): register,
// create a portfolio, fund it, buy through the trade form (autocomplete without accents, prefilled
// price, server preview), watch holdings move live, open an instrument chart, import a CSV with
// errors, watch the price board move, pick a benchmark, open closed positions and all portfolios,
// switch language, with no console error. Every text comes from the locale's message files (t),
// the rest from data-testids and roles. Screenshots go to frontend/screenshots/ (ignored by git);
// the main pages' also to E2E_SCREENSHOTS_DIR when set (docs/screenshots/ for the README).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { E2E_LOCALE, launch, shot, type Session } from "./browser";
import { t, tPattern, whole } from "./i18n";

/** The stocks bought, each found by typing a name without accents in the symbol autocomplete. */
const HELD: { symbol: string; search: string }[] = [
  { symbol: "VNM", search: "vinamilk" },
  { symbol: "FPT", search: "fpt" },
  { symbol: "HPG", search: "hoa phat" },
  { symbol: "VCB", search: "ngoai thuong" },
  { symbol: "MBB", search: "quan doi" },
];
const SYMBOLS = HELD.map((h) => h.symbol);
const user = `e2e_${Date.now().toString(36)}`;
const password = "Str0ng-enough-passphrase";

let session: Session;
let page: Page;

async function lastPrice(symbol: string): Promise<number> {
  const quotes = await page.evaluate(async (s) => (await fetch(`/api/market/quotes/?symbols=${s}`)).json(), symbol);
  return Number((quotes as { price: string }[])[0]!.price);
}

/** The session check while signed out (before registering, after signing out): a refresh answered 401, allowed then only. */
const SIGNED_OUT = [/^401 \/api\/session\/refresh$/];

async function openTradeForm() {
  await page.getByRole("button", { name: t("dashboard.addTransaction"), exact: true }).first().click();
  return page.getByRole("dialog");
}

async function deposit(amount: number) {
  const dialog = await openTradeForm();
  await dialog.getByLabel(t("trade.fields.kind")).selectOption("DEPOSIT");
  await dialog.getByLabel(t("trade.fields.amount")).fill(String(amount));
  await expect.poll(async () => (await dialog.getByTestId("trade-preview").textContent()) ?? "").toContain(t("trade.preview.ok"));
  await dialog.getByRole("button", { name: t("trade.actions.add"), exact: true }).click();
  await dialog.waitFor({ state: "detached" });
}

/** A buy through the trade form: type a name without accents, pick the stock, keep the live price, read the preview. */
async function buy({ symbol, search }: { symbol: string; search: string }, quantity: number, screenshot?: string) {
  const dialog = await openTradeForm();
  await dialog.getByLabel(t("trade.fields.kind")).selectOption("BUY");
  const combobox = dialog.getByRole("combobox", { name: t("trade.fields.symbol") });
  await combobox.pressSequentially(search, { delay: 20 });
  const option = page.getByRole("listbox", { name: t("trade.hints.symbolListLabel") }).getByRole("option").filter({ hasText: new RegExp(`^${symbol}`) });
  await option.click();
  await expect.poll(() => combobox.inputValue()).toBe(symbol);
  // The price is prefilled from the live quote, written in the locale's way (108.600 or 108,600).
  const price = dialog.getByLabel(t("trade.fields.price"));
  await expect.poll(() => price.inputValue(), { timeout: 15_000 }).toMatch(/^\d{1,3}([.,]\d{3})*$/);
  const prefilled = Number((await price.inputValue()).replace(/[.,]/g, ""));
  const last = await lastPrice(symbol);
  expect(Math.abs(prefilled - last), `${symbol}: prefilled ${prefilled}, last ${last}`).toBeLessThanOrEqual(last * 0.07);
  await dialog.getByText(tPattern("trade.hints.pricePrefilled")).waitFor();
  await dialog.getByLabel(t("trade.fields.quantity")).fill(String(quantity));
  // The server's preview: gross value and the ledger's verdict.
  const preview = dialog.getByTestId("trade-preview");
  await expect.poll(async () => (await preview.textContent()) ?? "", { timeout: 15_000 }).toContain(t("trade.preview.ok"));
  expect(await preview.textContent()).toContain(t("trade.preview.gross"));
  expect(await preview.textContent()).toContain(whole(quantity));
  if (screenshot) await shot(page, screenshot, { doc: "trade" });
  await dialog.getByRole("button", { name: t("trade.actions.add"), exact: true }).click();
  await dialog.waitFor({ state: "detached" });
}

beforeAll(async () => {
  session = await launch();
  page = session.page;
});

afterAll(async () => {
  await session?.close();
});

describe("an investor", () => {
  test("registers and lands on an empty dashboard", async () => {
    session.allow(SIGNED_OUT);
    await page.goto("/login");
    await page.getByRole("heading", { name: t("auth.login.title") }).waitFor();
    await shot(page, "01-login");
    await page.getByRole("link", { name: t("auth.login.switch") }).click();
    await page.getByRole("heading", { name: t("auth.register.title") }).waitFor();

    // Browser validation first: a mismatched confirmation is caught before any request.
    await page.getByLabel(t("auth.username")).fill(user);
    await page.getByLabel(t("auth.email")).fill(`${user}@example.com`);
    await page.getByLabel(t("auth.password"), { exact: true }).fill(password);
    await page.getByLabel(t("auth.confirm")).fill(`${password}x`);
    await page.getByRole("button", { name: t("auth.register.submit") }).click();
    await expect.poll(() => page.getByTestId("error-confirm").textContent()).toContain(t("auth.mismatch"));
    await page.getByLabel(t("auth.confirm")).fill(password);
    await shot(page, "02-register");
    await page.getByRole("button", { name: t("auth.register.submit") }).click();

    await page.getByText(t("dashboard.first.title")).waitFor();
    expect(new URL(page.url()).pathname).toBe("/");
    session.allow([]); // signed in: no request may fail from here on, unless a step provokes it
    // The refresh token is an httpOnly cookie scoped to the session handlers.
    const cookies = await session.context.cookies();
    const refresh = cookies.find((c) => c.name === "vnp_refresh");
    expect(refresh?.httpOnly).toBe(true);
    expect(refresh?.path).toBe("/api/session");
    expect(await page.evaluate(() => document.cookie)).not.toContain("vnp_refresh");
    await shot(page, "03-dashboard-empty");
  });

  test("creates a portfolio, funds it and buys stocks through the trade form", async () => {
    await page.getByRole("button", { name: t("dashboard.createPortfolio") }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel(t("portfolio.create.name")).fill("VN30");
    await dialog.getByRole("button", { name: t("portfolio.create.submit") }).click();
    await page.getByTestId("portfolio-switcher").waitFor();

    await deposit(2_000_000_000);
    for (const [index, held] of HELD.entries()) await buy(held, 1000, index === 0 ? "02b-trade" : undefined);
    for (const symbol of SYMBOLS) await page.getByTestId(`holding-${symbol}`).waitFor();

    // A reload keeps the session: the access token was only in memory, the refresh cookie renews it.
    await page.reload();
    await page.getByTestId(`holding-${SYMBOLS[0]}`).waitFor();
  });

  test("shows the server's field errors in place", async () => {
    // Selling more than is held passes browser validation but the ledger refuses it.
    const dialog = await openTradeForm();
    await dialog.getByLabel(t("trade.fields.kind")).selectOption("SELL");
    await dialog.getByRole("combobox", { name: t("trade.fields.symbol") }).fill("FPT");
    await dialog.getByLabel(t("trade.fields.quantity")).fill("999999");
    await dialog.getByLabel(t("trade.fields.price")).fill(String(await lastPrice("FPT")));
    await session.allowing([/^422 \/api\/portfolios\/\d+\/transactions\/$/], async () => {
      await dialog.getByRole("button", { name: t("trade.actions.add"), exact: true }).click();
      await dialog.getByTestId("error-tx-quantity").waitFor();
    });
    // The ledger's refusal, in the user's language, beside the field.
    expect(await dialog.getByTestId("error-tx-quantity").textContent()).toMatch(tPattern("trade.problems.oversell"));
    await shot(page, "04-transaction-error", { fullPage: false });
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
  });

  test("sees holdings valued live, and a tick flashes a price", async () => {
    const total = page.getByTestId("total-value");
    await expect.poll(async () => (await total.textContent()) ?? "", { timeout: 20_000 }).toMatch(E2E_LOCALE === "vi" ? /\d{1,3}(\.\d{3})+ ₫/ : /\d{1,3}(,\d{3})+ VND/);
    for (const symbol of SYMBOLS) {
      await expect.poll(async () => (await page.getByTestId(`holding-value-${symbol}`).textContent()) ?? "").toMatch(/\d/);
    }
    // Wait for a websocket tick on any held symbol: its price cell restarts a flash.
    const flashed = await page.waitForFunction(
      (symbols) => symbols.find((s) => Number(document.querySelector(`[data-testid="holding-price-${s}"]`)?.getAttribute("data-flash-count") ?? 0) > 0),
      SYMBOLS,
      { timeout: 60_000, polling: 100 },
    );
    const symbol = (await flashed.jsonValue()) as string;
    const cell = page.getByTestId(`holding-price-${symbol}`);
    expect(["up", "down", "same"]).toContain(await cell.getAttribute("data-flash"));
    await expect.poll(() => page.getByTestId("live-indicator").first().getAttribute("data-status")).toBe("open");
    await shot(page, "05-dashboard-live", { doc: "dashboard" });
  });

  test("opens an instrument: candlesticks, board colours, live price", async () => {
    await page.getByTestId("holding-FPT").getByRole("link").click();
    await page.getByRole("heading", { name: "FPT" }).waitFor();
    const chart = page.getByTestId("candle-chart");
    await chart.locator("canvas").first().waitFor();
    await expect.poll(() => chart.locator("canvas").count()).toBeGreaterThan(0);
    await expect.poll(async () => (await page.getByTestId("quote-ceiling").textContent()) ?? "").toMatch(/\d/);
    await expect.poll(async () => (await page.getByTestId("quote-floor").textContent()) ?? "").toMatch(/\d/);
    await expect.poll(async () => (await page.getByTestId("price-FPT").textContent()) ?? "").toMatch(/\d/);
    await page.waitForTimeout(800);
    await shot(page, "06-instrument-1d", { doc: "instrument" });
    // Daily candles by default; switch to 5-minute bars.
    const fiveMinutes = page.getByRole("radio", { name: t("instrument.intervals.5m") });
    await fiveMinutes.click();
    await expect.poll(() => fiveMinutes.getAttribute("data-state")).toBe("on");
    await page.waitForTimeout(1000);
    await shot(page, "06b-instrument-5m");
  });

  test("adds the stock to the watchlist and sets an alert", async () => {
    await page.getByRole("button", { name: t("watchlist.watch"), exact: true }).click();
    await page.getByRole("button", { name: t("watchlist.watching") }).waitFor();
    await page.getByRole("button", { name: t("alerts.create") }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel(t("alerts.dialog.thresholdPrice")).fill(String((await lastPrice("FPT")) * 2));
    await dialog.getByRole("button", { name: t("alerts.create") }).click();
    await dialog.waitFor({ state: "detached" });

    // An alert whose condition already holds fires on the next quote poll: a toast says so.
    await page.getByRole("button", { name: t("alerts.create") }).click();
    await dialog.getByLabel(t("alerts.dialog.thresholdPrice")).fill(String((await lastPrice("FPT")) - 5000));
    await dialog.getByRole("button", { name: t("alerts.create") }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByText(t("alerts.toast.triggered", { symbol: "FPT" })).first().waitFor({ timeout: 60_000 });
    await shot(page, "07a-alert-toast", { fullPage: false });

    await page.getByRole("link", { name: t("nav.watchlist"), exact: true }).first().click();
    await page.getByTestId("watch-FPT").waitFor();
    await shot(page, "07-watchlist");
    await page.getByRole("link", { name: t("nav.alerts"), exact: true }).first().click();
    await page.getByTestId("alerts-table").waitFor();
    await shot(page, "08-alerts");
  });

  test("imports a CSV: the dry run lists the bad rows, then a good file imports", async () => {
    await page.getByRole("link", { name: t("nav.portfolio"), exact: true }).first().click();
    await page.getByTestId("transactions-table").waitFor();
    await page.getByRole("button", { name: t("portfolio.import.open") }).click();
    const dialog = page.getByRole("dialog");
    const bad = [
      "date,kind,symbol,quantity,price,amount,fee,tax,note",
      "2025-03-03,DEPOSIT,,,,50000000,,,ok row",
      "2025-03-04,BUY,NOPE,100,10000,,,,unknown symbol",
      "not-a-date,BUY,FPT,100,100000,,,,bad date",
      "2025-03-05,SELL,VNM,99999,60000,,,,oversell",
    ].join("\n");
    await session.allowing([/^422 \/api\/portfolios\/\d+\/import\/$/], async () => {
      await dialog.getByTestId("import-file").setInputFiles({ name: "broker.csv", mimeType: "text/csv", buffer: Buffer.from(bad) });
      await dialog.getByTestId("import-errors").waitFor();
    });
    const rows = await dialog.getByTestId("import-error-row").count();
    expect(rows).toBeGreaterThanOrEqual(2);
    expect(await dialog.getByTestId("import-commit").isDisabled()).toBe(true);
    await shot(page, "09-import-errors", { fullPage: false });

    // A round trip in ACB last year: a closed position with its realized P&L.
    const good = [
      "date,kind,symbol,quantity,price,amount,fee,tax,note",
      "2025-03-03,DEPOSIT,,,,50000000,,,imported",
      "2025-03-04,BUY,ACB,1000,25000,,,,imported",
      "2025-03-06,INTEREST,,,,120000,,,imported",
      "2025-03-12,SELL,ACB,1000,26500,,,,imported",
    ].join("\n");
    await dialog.getByTestId("import-file").setInputFiles({ name: "good.csv", mimeType: "text/csv", buffer: Buffer.from(good) });
    await expect.poll(async () => (await dialog.getByTestId("import-preview").textContent()) ?? "").toContain(t("portfolio.import.valid", { count: 4 }));
    await dialog.getByTestId("import-commit").click();
    await dialog.waitFor({ state: "detached" });
    const interestKind = t("portfolio.kinds.INTEREST");
    await expect.poll(async () => (await page.getByTestId("transactions-table").textContent()) ?? "").toContain(interestKind);
    await shot(page, "10-portfolio", { doc: "portfolio" });

    // Edit the imported interest row, then delete it.
    const interest = page.getByTestId("transactions-table").getByRole("row").filter({ hasText: interestKind });
    await interest.getByRole("button", { name: tPattern("portfolio.actionsFor") }).click();
    await page.getByRole("menuitem", { name: t("portfolio.edit") }).click();
    const edit = page.getByRole("dialog");
    await expect.poll(() => edit.getByLabel(t("trade.fields.amount")).inputValue()).toBe(whole(120000));
    await edit.getByLabel(t("trade.fields.amount")).fill("150000");
    await edit.getByRole("button", { name: t("trade.actions.save") }).click();
    await edit.waitFor({ state: "detached" });
    await expect.poll(async () => (await interest.textContent()) ?? "").toContain(whole(150000));
    await interest.getByRole("button", { name: tPattern("portfolio.actionsFor") }).click();
    await page.getByRole("menuitem", { name: t("portfolio.delete") }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: t("portfolio.delete") }).click();
    await expect.poll(() => interest.count()).toBe(0);

    // Export downloads the ledger as CSV with the import's columns.
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: t("portfolio.export") }).click();
    await page.getByRole("menuitem", { name: "CSV" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/\.csv$/);
    const text = await (await import("node:fs/promises")).readFile((await file.path())!, "utf8");
    expect(text.split("\n")[0]).toBe("date,kind,symbol,quantity,price,amount,fee,tax,note,external_id");
    expect(text).toContain("BUY");
  });

  test("browses the server-rendered market overview", async () => {
    await page.getByRole("link", { name: t("nav.market"), exact: true }).first().click();
    await page.getByRole("heading", { name: t("market.title") }).waitFor();
    await page.getByTestId("vn30-heatmap").waitFor();
    await page.getByTestId("index-VNINDEX").waitFor();
    await expect.poll(async () => (await page.getByTestId("heat-ACB").textContent()) ?? "").toMatch(/%/);
    await page.getByTestId("simulated-badge").first().waitFor();
    await shot(page, "11-market", { doc: "market" });
    // Server-rendered (ISR): the HTML carries the movers before any script runs. A first request
    // may get the page rendered at build time (no API then) and trigger its regeneration.
    await page.request.get("/market");
    await expect
      .poll(async () => (await (await page.request.get("/market")).text()).includes(t("market.gainers.title")), { timeout: 20_000, interval: 1000 })
      .toBe(true);
  });

  test("watches the price board move, sorts it and opens a row", async () => {
    await page.getByRole("link", { name: t("nav.board"), exact: true }).first().click();
    await page.getByRole("heading", { name: t("board.title") }).waitFor();
    await page.getByTestId("board-cell-FPT-last").waitFor();
    await expect.poll(async () => (await page.getByTestId("board-cell-FPT-last").textContent()) ?? "").toMatch(/\d/);
    // At least ten cells change within ten seconds (a changed text or a restarted flash).
    const changed = await page.evaluate(async () => {
      const cells = () => {
        const seen = new Map<string, string>();
        for (const row of document.querySelectorAll('[data-testid^="board-row-"]')) {
          row.querySelectorAll('[role="gridcell"]').forEach((cell, column) => seen.set(`${row.getAttribute("data-testid")}:${column}`, `${cell.getAttribute("data-flash") ?? ""}|${cell.textContent}`));
        }
        return seen;
      };
      const before = cells();
      const moved = new Set<string>();
      const end = Date.now() + 10_000;
      while (Date.now() < end && moved.size < 10) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        for (const [key, value] of cells()) if (before.has(key) && before.get(key) !== value) moved.add(key);
      }
      return moved.size;
    });
    expect(changed, "board cells changed within 10 s").toBeGreaterThanOrEqual(10);
    await shot(page, "17-board", { doc: "board" });

    // Sort by symbol: the rows follow, from the top of the board down.
    const header = page.getByTestId("board-sort-symbol");
    await header.click();
    const direction = await page.getByRole("columnheader").filter({ has: header }).getAttribute("aria-sort");
    expect(["ascending", "descending"]).toContain(direction);
    const order = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('[data-testid^="board-row-"]')]
        .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
        .map((row) => row.getAttribute("data-testid")!.slice("board-row-".length)),
    );
    const sorted = [...order].sort();
    expect(order).toEqual(direction === "ascending" ? sorted : sorted.reverse());

    // A row opens the instrument page.
    await page.getByTestId("board-row-FPT").dblclick();
    await page.waitForURL(/\/instruments\/FPT$/);
    await page.getByRole("heading", { name: "FPT" }).waitFor();
  });

  test("switches the performance chart's benchmark, and it is remembered", async () => {
    await page.getByRole("link", { name: t("nav.dashboard"), exact: true }).first().click();
    const picker = page.getByTestId("benchmark-picker");
    await picker.waitFor();
    await picker.click();
    await page.getByTestId("benchmark-VN30").click();
    await expect.poll(async () => (await picker.textContent()) ?? "").toContain(t("dashboard.benchmark.versus", { symbol: "VN30" }));
    await page.reload();
    await expect.poll(async () => (await page.getByTestId("benchmark-picker").textContent()) ?? "").toContain(t("dashboard.benchmark.versus", { symbol: "VN30" }));
  });

  test("opens the closed positions and all portfolios", async () => {
    await page.getByRole("link", { name: t("nav.closed"), exact: true }).first().click();
    const closed = page.getByTestId("closed-positions");
    await closed.waitFor();
    // The imported ACB round trip is a realized sale.
    await expect.poll(async () => (await page.getByTestId("closed-sales").textContent()) ?? "").toContain("ACB");
    await shot(page, "18-closed", { doc: "closed" });

    await page.getByRole("link", { name: t("nav.allPortfolios"), exact: true }).first().click();
    await expect
      .poll(async () => (await page.getByTestId("overview-total-value").textContent()) ?? "", { timeout: 20_000 })
      .toMatch(E2E_LOCALE === "vi" ? /\d{1,3}(\.\d{3})+ ₫/ : /\d{1,3}(,\d{3})+ VND/);
    await page.getByTestId("overview-portfolios").waitFor();
    await shot(page, "19-overview", { doc: "overview" });
  });

  test("works in the dark theme and on a phone", async () => {
    await page.getByRole("button", { name: t("nav.darkTheme") }).click();
    await page.getByRole("link", { name: t("nav.dashboard"), exact: true }).first().click();
    await page.getByTestId("holdings-table").waitFor();
    await page.waitForTimeout(500);
    await shot(page, "12-dashboard-dark");
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(500);
    await shot(page, "13-dashboard-phone", { doc: "dashboard-phone" });
    await page.mouse.wheel(0, 1400);
    await page.waitForTimeout(400);
    await shot(page, "13b-dashboard-phone-holdings", { fullPage: false });
    await page.getByRole("link", { name: t("nav.market"), exact: true }).last().click();
    await page.getByTestId("vn30-heatmap").waitFor();
    await shot(page, "14-market-phone", { fullPage: false });
    // No page scrolls sideways at 390 px; the transactions list is cards and its pagination fits.
    for (const [path, ready] of [["/", "holdings-cards"], ["/portfolio", "transactions-cards"], ["/market", "vn30-heatmap"], ["/watchlist", "watchlist-table"], ["/alerts", "alerts-table"]] as const) {
      await page.goto(path);
      await page.getByTestId(ready).waitFor();
      await page.waitForTimeout(300);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${path} scrolls sideways at 390 px`).toBeLessThanOrEqual(0);
    }
    await page.goto("/portfolio");
    const pagination = page.getByTestId("transactions-pagination");
    await pagination.waitFor();
    expect(await pagination.evaluate((el) => [...el.querySelectorAll("span, select")].every((child) => child.scrollWidth <= child.clientWidth))).toBe(true);
    await shot(page, "15-transactions-phone", { fullPage: false });
  });

  test("switches language from the header and remembers it", async () => {
    await page.setViewportSize({ width: 1440, height: 960 });
    await page.goto("/");
    await page.getByTestId("holdings-table").waitFor();
    const other = E2E_LOCALE === "vi" ? "en" : "vi";
    await page.getByTestId("locale-switcher").click();
    await page.getByTestId(`locale-${other}`).click();
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe(other);
    await expect.poll(async () => (await page.getByTestId("total-value").textContent()) ?? "").toMatch(other === "vi" ? / ₫$/ : / VND$/);
    await page.reload();
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe(other);
    await shot(page, `16-dashboard-${other}`);
    await page.getByTestId("locale-switcher").click();
    await page.getByTestId(`locale-${E2E_LOCALE}`).click();
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe(E2E_LOCALE);
  });

  test("signs out: the session cookie is gone and private pages ask to sign in", async () => {
    await page.setViewportSize({ width: 1440, height: 960 });
    session.allow(SIGNED_OUT);
    await page.getByTestId("user-menu").click();
    await page.getByRole("menuitem", { name: t("nav.signOut") }).click();
    await page.getByRole("heading", { name: t("auth.login.title") }).waitFor();
    expect((await session.context.cookies()).find((c) => c.name === "vnp_refresh")).toBeUndefined();
    await page.goto("/portfolio");
    await page.waitForURL(/\/login\?next=%2Fportfolio/);
  });

  test("met no Content-Security-Policy violation on any page", async () => {
    const response = await page.goto("/login");
    expect(response?.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(session.cspViolations).toEqual([]);
  });

  test("met no console error and no page error on any page", () => {
    expect(session.consoleErrors).toEqual([]);
  });
});
