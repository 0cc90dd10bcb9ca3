// Headless-browser bench of the price board: Debian's chromium (through playwright-core) opens
// /board of a running web client (`npm start`, BENCH_BASE_URL, default http://127.0.0.1:3000) with a
// board of BENCH_SYMBOLS (400) symbols each updating about BENCH_RATE (1) times a second. The API
// and the market stream are played by this script inside the browser (page.route and
// page.routeWebSocket), so only the client is measured: no Django, no database.
// Reports: frame time p50/p95/p99 and long tasks while the updates flow, updates not shown
// (symbols whose last price on screen is not the last one sent, checked by scrolling every row),
// and websocket bytes per second to the client.
//   node bench/board.mjs [--symbols 400] [--rate 1] [--seconds 15]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const { values: args } = parseArgs({
  options: {
    symbols: { type: "string", default: process.env.BENCH_SYMBOLS ?? "400" },
    rate: { type: "string", default: process.env.BENCH_RATE ?? "1" },
    seconds: { type: "string", default: process.env.BENCH_SECONDS ?? "15" },
  },
});
const SYMBOLS = Number(args.symbols);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const BASE_URL = (process.env.BENCH_BASE_URL ?? "http://127.0.0.1:3000").replace(/\/$/, "");
const TICK_MS = 50;

const symbols = Array.from({ length: SYMBOLS }, (_, i) => `B${String(i).padStart(3, "0")}`);
const state = new Map(symbols.map((s, i) => [s, { price: 20_000 + i * 100, volume: 10_000, seq: 1 }]));

function row(symbol) {
  const s = state.get(symbol);
  const ref = 20_000 + symbols.indexOf(symbol) * 100;
  return {
    symbol,
    name: `Công ty ${symbol}`,
    exchange: "HOSE",
    type: "stock",
    price: String(s.price),
    reference_price: String(ref),
    ceiling_price: String(Math.floor((ref * 1.07) / 100) * 100),
    floor_price: String(Math.ceil((ref * 0.93) / 100) * 100),
    open: String(ref),
    high: String(s.price),
    low: String(s.price),
    change: String(s.price - ref),
    change_pct: (((s.price - ref) / ref) * 100).toFixed(2),
    volume: s.volume,
    value: String(s.volume * s.price),
    bids: [[String(s.price - 100), 1000], [String(s.price - 200), 2000], [String(s.price - 300), 3000]],
    asks: [[String(s.price + 100), 1000], [String(s.price + 200), 2000], [String(s.price + 300), 3000]],
    foreign_buy: 0,
    foreign_sell: 0,
    as_of: new Date().toISOString(),
    stale: false,
    age_seconds: 0,
    source: "simulated",
    last_volume: 100,
    seq: s.seq,
  };
}

function quote(symbol) {
  const s = state.get(symbol);
  const ref = 20_000 + symbols.indexOf(symbol) * 100;
  s.price = Math.max(ref - 1_000, Math.min(ref + 1_000, s.price + (Math.random() < 0.5 ? -100 : 100)));
  s.volume += 100;
  s.seq += 1;
  return {
    type: "quote",
    symbol,
    price: String(s.price),
    change: String(s.price - ref),
    change_pct: (((s.price - ref) / ref) * 100).toFixed(2),
    open: String(ref),
    high: String(s.price + 100),
    low: String(s.price - 100),
    volume: s.volume,
    value: String(s.volume * s.price),
    last_volume: 100,
    bids: [[String(s.price - 100), 1000 + s.seq], [String(s.price - 200), 2000], [String(s.price - 300), 3000]],
    asks: [[String(s.price + 100), 1000], [String(s.price + 200), 2000 + s.seq], [String(s.price + 300), 3000]],
    foreign_buy: s.seq,
    foreign_sell: 0,
    as_of: new Date().toISOString(),
    seq: s.seq,
  };
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  const profile = await mkdtemp(path.join(tmpdir(), "vnp-bench-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update"],
    viewport: { width: 1440, height: 960 },
    locale: "vi-VN",
    timezoneId: "Asia/Ho_Chi_Minh",
  });
  let bytes = 0;
  let sent = 0;
  let sending = null;
  let measuring = false;
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors = [];
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    await page.addInitScript(() => {
      window.__frames = [];
      window.__longTasks = [];
      let last = performance.now();
      const loop = (now) => {
        if (window.__measure) window.__frames.push(now - last);
        last = now;
        requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
      try {
        new PerformanceObserver((list) => {
          if (window.__measure) for (const e of list.getEntries()) window.__longTasks.push(e.duration);
        }).observe({ type: "longtask", buffered: false });
      } catch {
        // no long-task timing in this browser
      }
    });
    await page.route("**/api/**", async (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === "/api/market/board/") {
        const list = url.searchParams.get("list") ?? "VN30";
        await route.fulfill({ json: { list, symbols, count: symbols.length, limit: 2000, results: symbols.map(row) } });
      } else if (url.pathname.startsWith("/api/session/")) {
        await route.fulfill({ status: 401, json: { error: { code: "not_authenticated", message: "signed out" } } });
      } else {
        await route.fulfill({ status: 404, json: { error: { code: "not_found", message: "not in the bench" } } });
      }
    });
    await page.routeWebSocket(/\/ws\/market\//, (ws) => {
      const send = (message) => {
        const text = JSON.stringify(message);
        if (measuring) bytes += Buffer.byteLength(text);
        ws.send(text);
      };
      ws.onMessage((raw) => {
        const message = JSON.parse(String(raw));
        if (message.action === "ping") send({ type: "pong" });
        else if (message.action === "subscribe") send({ type: "snapshot", quotes: [], subscribed: [] });
        else if (message.action === "board") {
          send({ type: "board", list: message.list, symbols, limit: 2000, rows: symbols.map(row) });
          if (sending) clearInterval(sending);
          // Every symbol about RATE times a second, spread over 20 batches a second like a poll.
          const perTick = Math.max(1, Math.round((SYMBOLS * RATE * TICK_MS) / 1000));
          let cursor = 0;
          sending = setInterval(() => {
            for (let i = 0; i < perTick; i++) {
              send(quote(symbols[cursor]));
              cursor = (cursor + 1) % symbols.length;
              if (measuring) sent += 1;
            }
          }, TICK_MS);
        }
      });
    });

    await page.goto(`${BASE_URL}/board`, { waitUntil: "domcontentloaded" });
    await page.getByTestId(`board-row-${symbols[0]}`).waitFor({ timeout: 60_000 });
    await page.waitForTimeout(2_000); // warm up
    measuring = true;
    await page.evaluate(() => (window.__measure = true));
    const started = Date.now();
    await page.waitForTimeout(SECONDS * 1000);
    await page.evaluate(() => (window.__measure = false));
    measuring = false;
    const elapsed = (Date.now() - started) / 1000;
    clearInterval(sending);
    sending = null;
    const { frames, longTasks } = await page.evaluate(() => ({ frames: window.__frames, longTasks: window.__longTasks }));
    await page.waitForTimeout(1_000); // let the last batch render

    // Updates not shown: scroll every row into view and compare its last price with the last sent.
    const shown = new Map();
    const grid = page.getByTestId("board-grid");
    const height = await grid.evaluate((el) => el.scrollHeight);
    for (let top = 0; top <= height; top += 600) {
      await grid.evaluate((el, y) => (el.scrollTop = y), top);
      await page.waitForTimeout(50);
      const cells = await page.$$eval('[data-testid^="board-cell-"][data-testid$="-last"]', (els) => els.map((el) => [el.getAttribute("data-testid"), el.textContent ?? ""]));
      for (const [id, text] of cells) shown.set(id.slice("board-cell-".length, -"-last".length), Math.round(Number(text.replace(/\./g, "").replace(",", ".")) * 1000));
    }
    const notShown = symbols.filter((s) => shown.get(s) !== state.get(s).price);

    const sorted = [...frames].sort((a, b) => a - b);
    const report = {
      symbols: SYMBOLS,
      rate_per_symbol_per_s: RATE,
      seconds: Math.round(elapsed * 10) / 10,
      updates_sent: sent,
      frames: frames.length,
      fps: Math.round((frames.length / elapsed) * 10) / 10,
      frame_ms_p50: percentile(sorted, 50)?.toFixed(1),
      frame_ms_p95: percentile(sorted, 95)?.toFixed(1),
      frame_ms_p99: percentile(sorted, 99)?.toFixed(1),
      long_tasks: longTasks.length,
      long_task_ms_total: Math.round(longTasks.reduce((a, b) => a + b, 0)),
      rows_checked: shown.size,
      symbols_not_showing_last_update: notShown.length,
      ws_bytes_per_s: Math.round(bytes / elapsed),
      page_errors: pageErrors.length,
    };
    console.log(JSON.stringify(report, null, 2));
    if (notShown.length) console.error(`not showing their last update: ${notShown.slice(0, 20).join(", ")}`);
  } finally {
    if (sending) clearInterval(sending);
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}

await main();
