// The investor's journey through the real stack (Next.js server -> Django, Channels, Celery,
// Redis, PostgreSQL/SQLite, the simulated feed): register, create a portfolio, fund it, buy,
// watch holdings move live, open an instrument chart, import a CSV with errors. Screenshots of
// every page go to frontend/screenshots/ (ignored by git).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { E2E_LOCALE, launch, shot, type Session } from "./browser";

const HELD = ["FPT", "VNM", "HPG", "VCB", "MBB"];
const user = `e2e_${Date.now().toString(36)}`;
const password = "Str0ng-enough-passphrase";

let session: Session;
let page: Page;

async function lastPrice(symbol: string): Promise<number> {
  const quotes = await page.evaluate(async (s) => (await fetch(`/api/market/quotes/?symbols=${s}`)).json(), symbol);
  return Number((quotes as { price: string }[])[0]!.price);
}

async function addTransaction(fields: { kind: string; symbol?: string; quantity?: number; price?: number; amount?: number }) {
  await page.getByRole("button", { name: "Add transaction" }).first().click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Type").selectOption(fields.kind);
  if (fields.symbol) await dialog.getByLabel("Symbol").fill(fields.symbol);
  if (fields.quantity) await dialog.getByLabel("Quantity").fill(String(fields.quantity));
  if (fields.price) await dialog.getByLabel("Price (₫)").fill(String(fields.price));
  if (fields.amount) await dialog.getByLabel("Amount (₫)").fill(String(fields.amount));
  await dialog.getByRole("button", { name: "Add transaction" }).click();
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
    await page.goto("/login");
    await page.getByRole("heading", { name: "Welcome back" }).waitFor();
    await shot(page, "01-login");
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.getByRole("heading", { name: "Create your account" }).waitFor();

    // Browser validation first: a mismatched confirmation is caught before any request.
    await page.getByLabel("Username").fill(user);
    await page.getByLabel("Email").fill(`${user}@example.com`);
    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByLabel("Confirm password").fill(`${password}x`);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect.poll(() => page.getByTestId("error-confirm").textContent()).toContain("do not match");
    await page.getByLabel("Confirm password").fill(password);
    await shot(page, "02-register");
    await page.getByRole("button", { name: "Create account" }).click();

    await page.getByText("Create your first portfolio").waitFor();
    expect(new URL(page.url()).pathname).toBe("/");
    // The refresh token is an httpOnly cookie scoped to the session handlers.
    const cookies = await session.context.cookies();
    const refresh = cookies.find((c) => c.name === "vnp_refresh");
    expect(refresh?.httpOnly).toBe(true);
    expect(refresh?.path).toBe("/api/session");
    expect(await page.evaluate(() => document.cookie)).not.toContain("vnp_refresh");
    await shot(page, "03-dashboard-empty");
  });

  test("creates a portfolio, funds it and buys stocks", async () => {
    await page.getByRole("button", { name: "Create portfolio" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name").fill("Long-term VN30");
    await dialog.getByRole("button", { name: "Create portfolio" }).click();
    await page.getByTestId("portfolio-switcher").waitFor();

    await addTransaction({ kind: "DEPOSIT", amount: 2_000_000_000 });
    for (const symbol of HELD) {
      await addTransaction({ kind: "BUY", symbol, quantity: 1000, price: await lastPrice(symbol) });
    }
    for (const symbol of HELD) await page.getByTestId(`holding-${symbol}`).waitFor();

    // A reload keeps the session: the access token was only in memory, the refresh cookie renews it.
    await page.reload();
    await page.getByTestId(`holding-${HELD[0]}`).waitFor();
  });

  test("shows the server's field errors in place", async () => {
    // Selling more than is held passes browser validation but the ledger refuses it.
    await page.getByRole("button", { name: "Add transaction" }).first().click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Type").selectOption("SELL");
    await dialog.getByLabel("Symbol").fill("FPT");
    await dialog.getByLabel("Quantity").fill("999999");
    await dialog.getByLabel("Price (₫)").fill(String(await lastPrice("FPT")));
    await dialog.getByRole("button", { name: "Add transaction" }).click();
    await dialog.locator('[role="alert"]').first().waitFor();
    const message = await dialog.locator('[role="alert"]').first().textContent();
    expect(message?.toLowerCase()).toMatch(/sell|held/);
    expect(await dialog.getByTestId("error-tx-quantity").isVisible()).toBe(true);
    await shot(page, "04-transaction-error", { fullPage: false });
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
  });

  test("sees holdings valued live, and a tick flashes a price", async () => {
    const total = page.getByTestId("total-value");
    await expect.poll(async () => (await total.textContent()) ?? "", { timeout: 20_000 }).toMatch(E2E_LOCALE === "vi" ? /\d{1,3}(\.\d{3})+ ₫/ : /\d{1,3}(,\d{3})+ VND/);
    for (const symbol of HELD) {
      await expect.poll(async () => (await page.getByTestId(`holding-value-${symbol}`).textContent()) ?? "").toMatch(/\d/);
    }
    // Wait for a websocket tick on any held symbol: its price cell restarts a flash.
    const flashed = await page.waitForFunction(
      (symbols) => symbols.find((s) => Number(document.querySelector(`[data-testid="holding-price-${s}"]`)?.getAttribute("data-flash-count") ?? 0) > 0),
      HELD,
      { timeout: 60_000, polling: 100 },
    );
    const symbol = (await flashed.jsonValue()) as string;
    const cell = page.getByTestId(`holding-price-${symbol}`);
    expect(["up", "down", "same"]).toContain(await cell.getAttribute("data-flash"));
    await expect.poll(() => page.getByTestId("live-indicator").first().getAttribute("data-status")).toBe("open");
    await shot(page, "05-dashboard-live");
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
    await shot(page, "06-instrument-1d");
    // Daily candles by default; switch to 5-minute bars.
    await page.getByRole("radio", { name: "5m" }).click();
    await expect.poll(() => page.getByRole("radio", { name: "5m" }).getAttribute("data-state")).toBe("on");
    await page.waitForTimeout(1000);
    await shot(page, "06b-instrument-5m");
  });

  test("adds the stock to the watchlist and sets an alert", async () => {
    await page.getByRole("button", { name: "Watch", exact: true }).click();
    await page.getByRole("button", { name: "Watching" }).waitFor();
    await page.getByRole("button", { name: "Create alert" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Price (₫)").fill(String((await lastPrice("FPT")) * 2));
    await dialog.getByRole("button", { name: "Create alert" }).click();
    await dialog.waitFor({ state: "detached" });

    // An alert whose condition already holds fires on the next quote poll: a toast says so.
    await page.getByRole("button", { name: "Create alert" }).click();
    await dialog.getByLabel("Price (₫)").fill(String((await lastPrice("FPT")) - 5000));
    await dialog.getByRole("button", { name: "Create alert" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByText("FPT: alert triggered").first().waitFor({ timeout: 60_000 });
    await shot(page, "07a-alert-toast", { fullPage: false });

    await page.getByRole("link", { name: "Watchlist", exact: true }).first().click();
    await page.getByTestId("watch-FPT").waitFor();
    await shot(page, "07-watchlist");
    await page.getByRole("link", { name: "Alerts", exact: true }).first().click();
    await page.getByTestId("alerts-table").waitFor();
    await shot(page, "08-alerts");
  });

  test("imports a CSV: the dry run lists the bad rows, then a good file imports", async () => {
    await page.getByRole("link", { name: "Portfolio", exact: true }).first().click();
    await page.getByTestId("transactions-table").waitFor();
    await page.getByRole("button", { name: "Import CSV" }).click();
    const dialog = page.getByRole("dialog");
    const bad = [
      "date,kind,symbol,quantity,price,amount,fee,tax,note",
      "2025-03-03,DEPOSIT,,,,50000000,,,ok row",
      "2025-03-04,BUY,NOPE,100,10000,,,,unknown symbol",
      "not-a-date,BUY,FPT,100,100000,,,,bad date",
      "2025-03-05,SELL,VNM,99999,60000,,,,oversell",
    ].join("\n");
    await dialog.getByTestId("import-file").setInputFiles({ name: "broker.csv", mimeType: "text/csv", buffer: Buffer.from(bad) });
    await dialog.getByTestId("import-errors").waitFor();
    const rows = await dialog.getByTestId("import-error-row").count();
    expect(rows).toBeGreaterThanOrEqual(2);
    expect(await dialog.getByTestId("import-commit").isDisabled()).toBe(true);
    await shot(page, "09-import-errors", { fullPage: false });

    const good = ["date,kind,symbol,quantity,price,amount,fee,tax,note", "2025-03-03,DEPOSIT,,,,50000000,,,imported", "2025-03-06,INTEREST,,,,120000,,,imported"].join("\n");
    await dialog.getByTestId("import-file").setInputFiles({ name: "good.csv", mimeType: "text/csv", buffer: Buffer.from(good) });
    await expect.poll(async () => (await dialog.getByTestId("import-preview").textContent()) ?? "").toContain("valid");
    await dialog.getByTestId("import-commit").click();
    await dialog.waitFor({ state: "detached" });
    await expect.poll(async () => (await page.getByTestId("transactions-table").textContent()) ?? "").toContain("Interest");
    await shot(page, "10-portfolio");

    // Edit the imported interest row, then delete it.
    const interest = page.getByTestId("transactions-table").getByRole("row").filter({ hasText: "Interest" });
    await interest.getByRole("button", { name: /Actions for transaction/ }).click();
    await page.getByRole("menuitem", { name: "Edit" }).click();
    const edit = page.getByRole("dialog");
    await expect.poll(() => edit.getByLabel("Amount (₫)").inputValue()).toBe("120000");
    await edit.getByLabel("Amount (₫)").fill("150000");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await edit.waitFor({ state: "detached" });
    await expect.poll(async () => (await interest.textContent()) ?? "").toContain("150.000");
    await interest.getByRole("button", { name: /Actions for transaction/ }).click();
    await page.getByRole("menuitem", { name: "Delete" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => interest.count()).toBe(0);

    // Export downloads the ledger as CSV with the import's columns.
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export" }).click();
    await page.getByRole("menuitem", { name: "CSV" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/\.csv$/);
    const text = await (await import("node:fs/promises")).readFile((await file.path())!, "utf8");
    expect(text.split("\n")[0]).toBe("date,kind,symbol,quantity,price,amount,fee,tax,note,external_id");
    expect(text).toContain("BUY");
  });

  test("browses the server-rendered market overview", async () => {
    await page.getByRole("link", { name: "Market", exact: true }).first().click();
    await page.getByRole("heading", { name: "Market overview" }).waitFor();
    await page.getByTestId("vn30-heatmap").waitFor();
    await page.getByTestId("index-VNINDEX").waitFor();
    await expect.poll(async () => (await page.getByTestId("heat-ACB").textContent()) ?? "").toMatch(/%/);
    await page.getByTestId("simulated-badge").first().waitFor();
    await shot(page, "11-market");
    // Server-rendered (ISR): the HTML carries the movers before any script runs. A first request
    // may get the page rendered at build time (no API then) and trigger its regeneration.
    await page.request.get("/market");
    await expect
      .poll(async () => (await (await page.request.get("/market")).text()).includes("Top gainers"), { timeout: 20_000, interval: 1000 })
      .toBe(true);
  });

  test("works in the dark theme and on a phone", async () => {
    await page.getByRole("button", { name: /Switch to dark theme/ }).click();
    await page.getByRole("link", { name: "Dashboard", exact: true }).first().click();
    await page.getByTestId("holdings-table").waitFor();
    await page.waitForTimeout(500);
    await shot(page, "12-dashboard-dark");
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(500);
    await shot(page, "13-dashboard-phone", { fullPage: false });
    await page.mouse.wheel(0, 1400);
    await page.waitForTimeout(400);
    await shot(page, "13b-dashboard-phone-holdings", { fullPage: false });
    await page.getByRole("link", { name: "Market", exact: true }).last().click();
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
    await page.getByTestId("user-menu").click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Welcome back" }).waitFor();
    expect((await session.context.cookies()).find((c) => c.name === "vnp_refresh")).toBeUndefined();
    await page.goto("/portfolio");
    await page.waitForURL(/\/login\?next=%2Fportfolio/);
  });

  test("met no Content-Security-Policy violation on any page", async () => {
    const response = await page.goto("/login");
    expect(response?.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(session.cspViolations).toEqual([]);
  });
});
