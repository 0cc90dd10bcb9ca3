// The Next.js server plus a same-origin proxy to Django, so the browser needs no CORS.
//
//   /api/session/*            Next.js route handlers (the httpOnly refresh-token cookie lives here)
//   /api/*, /admin/*, /static/*, /healthz, /readyz   proxied over HTTP to BACKEND_URL
//   /ws/*                     websocket upgrades proxied to BACKEND_URL
//   everything else           the Next.js app
//
// The proxy itself (and how it tells Django each client's address) is proxy.mjs.
// Why not next.config rewrites: `next build` freezes rewrite destinations into the build's routes
// manifest, so the backend address would be fixed at build time; this proxy reads BACKEND_URL when
// the server starts. Usage: `node server.mjs` (production build) or `node server.mjs --dev`.
import next from "next";
import { createProxyServer, proxySettings } from "./proxy.mjs";

const dev = process.argv.includes("--dev");
const host = process.env.FRONTEND_HOST || "127.0.0.1";
const port = Number.parseInt(process.env.FRONTEND_PORT || "3000", 10);
const { backend, trusted } = proxySettings();
process.env.BACKEND_URL = backend.origin;
process.env.NEXT_TELEMETRY_DISABLED = "1";

const app = next({ dev, hostname: host, port, dir: import.meta.dirname });
const handle = app.getRequestHandler();
await app.prepare();
const nextUpgrade = app.getUpgradeHandler();

const server = createProxyServer({ backend, trusted, handle, upgrade: nextUpgrade });
server.on("error", (error) => {
  console.error(`[frontend] cannot serve on http://${host}:${port}: ${error.message}`);
  if (process.env.FRONTEND_KEEP_ALIVE === "1") {
    // Under `make run`: stay up idle so honcho keeps the API and workers running.
    console.error("[frontend] the web client is not running; set FRONTEND_PORT to a free port.");
    setInterval(() => {}, 1 << 30);
    return;
  }
  process.exit(1);
});
server.listen(port, host, () => {
  console.log(
    `[frontend] ${dev ? "development" : "production"} server on http://${host}:${port} (API and websockets -> ${backend.origin})`,
  );
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
