// Headless-browser bench of the price board: Debian's chromium (through playwright-core) opens
// /board of the built web client (`npm run build` first; this script starts `node server.mjs` on
// BENCH_PORT, 3107) with a board of BENCH_SYMBOLS (400) symbols each updating about BENCH_RATE (1)
// times a second. The API and the market stream are played by a small fake backend of this script
// (node http + ws on BENCH_BACKEND_PORT, 8799) behind the client's own proxy, so the frames travel a
// real websocket and only the client is measured: no Django, no database.
// Reports: frame time p50/p95/p99 and long tasks while the updates flow, the main thread's busy
// time per second (Chrome DevTools Protocol `Performance.getMetrics` deltas: all tasks, script,
// layout, style recalculation; steadier than fps on a loaded machine), updates not shown (symbols
// whose last price on screen is not the last one sent, checked by scrolling every row), and
// websocket bytes per second to the client.
//   npm run build && node bench/board.mjs [--symbols 400] [--rate 1] [--seconds 15]
// Experiments: BENCH_CSS (CSS added to the page), BENCH_SORT (a column to sort by first),
// BENCH_SCREENSHOT (a PNG path), BENCH_LABEL (echoed in the report, for A/B runs).
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { WebSocketServer } from "ws";

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
const PORT = Number(process.env.BENCH_PORT ?? "3107");
const BACKEND_PORT = Number(process.env.BENCH_BACKEND_PORT ?? "8799");
const BASE_URL = `http://127.0.0.1:${PORT}`;
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

/** The fake backend: the board over REST, the market stream over a real websocket, 401/404 else. */
function startBackend(counters) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://backend");
    const reply = (status, body) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/api/market/board/") {
      const list = url.searchParams.get("list") ?? "VN30";
      reply(200, { list, symbols, count: symbols.length, limit: 2000, results: symbols.map(row) });
    } else if (url.pathname.startsWith("/api/auth/")) reply(401, { error: { code: "not_authenticated", message: "signed out" } });
    else reply(404, { error: { code: "not_found", message: "not in the bench" } });
  });
  const wss = new WebSocketServer({ server, path: "/ws/market/" });
  wss.on("connection", (socket) => {
    let timer = null;
    const send = (message) => {
      const text = JSON.stringify(message);
      if (counters.measuring) counters.bytes += Buffer.byteLength(text);
      socket.send(text);
    };
    socket.on("message", (raw) => {
      const message = JSON.parse(String(raw));
      if (message.action === "ping") send({ type: "pong" });
      else if (message.action === "subscribe") send({ type: "snapshot", quotes: [], subscribed: [] });
      else if (message.action === "board") {
        send({ type: "board", list: message.list, symbols, limit: 2000, rows: symbols.map(row) });
        if (timer) clearInterval(timer);
        // Every symbol about RATE times a second, spread over 20 batches a second like a poll.
        const perTick = Math.max(1, Math.round((SYMBOLS * RATE * TICK_MS) / 1000));
        let cursor = 0;
        timer = setInterval(() => {
          if (counters.stopped) return;
          for (let i = 0; i < perTick; i++) {
            send(quote(symbols[cursor]));
            cursor = (cursor + 1) % symbols.length;
            if (counters.measuring) counters.sent += 1;
          }
        }, TICK_MS);
      }
    });
    socket.on("close", () => timer && clearInterval(timer));
  });
  return new Promise((resolve) => server.listen(BACKEND_PORT, "127.0.0.1", () => resolve({ server, wss })));
}

async function startClient() {
  // Another server on the port would be measured instead of this build (a bench killed midway).
  const taken = await fetch(BASE_URL).then(
    () => true,
    () => false,
  );
  if (taken) throw new Error(`something already serves on ${BASE_URL} (BENCH_PORT)`);
  const child = spawn(process.execPath, ["server.mjs"], {
    cwd: path.resolve(import.meta.dirname, ".."),
    env: { ...process.env, NODE_ENV: "production", FRONTEND_PORT: String(PORT), BACKEND_URL: `http://127.0.0.1:${BACKEND_PORT}` },
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null) throw new Error(`the web client exited (${child.exitCode})`);
    try {
      if ((await fetch(`${BASE_URL}/board`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  child.kill();
  throw new Error("the web client did not start (run `npm run build` first)");
}

async function main() {
  const counters = { bytes: 0, sent: 0, measuring: false, stopped: false };
  const backend = await startBackend(counters);
  const client = await startClient();
  const profile = await mkdtemp(path.join(tmpdir(), "vnp-bench-"));
  let context = null;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update"],
      viewport: { width: 1440, height: 960 },
      locale: "vi-VN",
      timezoneId: "Asia/Ho_Chi_Minh",
    });
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

    await page.goto(`${BASE_URL}/board`, { waitUntil: "domcontentloaded" });
    await page.getByTestId(`board-row-${symbols[0]}`).waitFor({ timeout: 60_000 });
    // BENCH_CSS: extra CSS for experiments, e.g. ".board-flash-up,.board-flash-down{background-color:transparent!important}".
    if (process.env.BENCH_CSS) await page.addStyleTag({ content: process.env.BENCH_CSS });
    // BENCH_SORT: sort by a column first (its header's test id suffix, e.g. change_pct), as a user would.
    if (process.env.BENCH_SORT) await page.getByTestId(`board-sort-${process.env.BENCH_SORT}`).click();
    await page.waitForTimeout(2_000); // warm up
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    const metrics = async () => Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
    counters.measuring = true;
    await page.evaluate(() => (window.__measure = true));
    const before = await metrics();
    const started = Date.now();
    await page.waitForTimeout(SECONDS * 1000);
    const after = await metrics();
    await page.evaluate(() => (window.__measure = false));
    counters.measuring = false;
    // BENCH_SCREENSHOT: a PNG of the board as the updates flowed (to look at the flashes).
    if (process.env.BENCH_SCREENSHOT) await page.screenshot({ path: process.env.BENCH_SCREENSHOT });
    counters.stopped = true;
    const elapsed = (Date.now() - started) / 1000;
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

    // Seconds of main-thread work per second of wall time, as ms/s (1000 = the thread never idle).
    const wall = (after.Timestamp - before.Timestamp) || elapsed;
    const busy = (name) => Math.round(((after[name] - before[name]) / wall) * 1000);
    const perSecond = (name) => Math.round((after[name] - before[name]) / wall);
    const sorted = [...frames].sort((a, b) => a - b);
    const report = {
      ...(process.env.BENCH_LABEL ? { label: process.env.BENCH_LABEL } : {}),
      symbols: SYMBOLS,
      rate_per_symbol_per_s: RATE,
      seconds: Math.round(elapsed * 10) / 10,
      updates_sent: counters.sent,
      frames: frames.length,
      fps: Math.round((frames.length / elapsed) * 10) / 10,
      frame_ms_p50: percentile(sorted, 50)?.toFixed(1),
      frame_ms_p95: percentile(sorted, 95)?.toFixed(1),
      frame_ms_p99: percentile(sorted, 99)?.toFixed(1),
      long_tasks: longTasks.length,
      long_task_ms_total: Math.round(longTasks.reduce((a, b) => a + b, 0)),
      main_busy_ms_per_s: { task: busy("TaskDuration"), script: busy("ScriptDuration"), layout: busy("LayoutDuration"), style: busy("RecalcStyleDuration") },
      layouts_per_s: perSecond("LayoutCount"),
      style_recalcs_per_s: perSecond("RecalcStyleCount"),
      rows_checked: shown.size,
      symbols_not_showing_last_update: notShown.length,
      ws_bytes_per_s: Math.round(counters.bytes / elapsed),
      page_errors: pageErrors.length,
    };
    console.log(JSON.stringify(report, null, 2));
    if (notShown.length) console.error(`not showing their last update: ${notShown.slice(0, 20).join(", ")}`);
  } finally {
    await context?.close();
    await rm(profile, { recursive: true, force: true });
    client.kill();
    backend.wss.close();
    backend.server.close();
  }
}

await main();
