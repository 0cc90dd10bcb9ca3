// The Next.js server plus a same-origin proxy to Django, so the browser needs no CORS.
//
//   /api/session/*            Next.js route handlers (the httpOnly refresh-token cookie lives here)
//   /api/*, /admin/*, /static/*, /healthz, /readyz   proxied over HTTP to BACKEND_URL
//   /ws/*                     websocket upgrades proxied to BACKEND_URL
//   everything else           the Next.js app
//
// Why not next.config rewrites: `next build` freezes rewrite destinations into the build's routes
// manifest, so the backend address would be fixed at build time; this proxy reads BACKEND_URL when
// the server starts. Usage: `node server.mjs` (production build) or `node server.mjs --dev`.
import http from "node:http";
import next from "next";

const dev = process.argv.includes("--dev");
const host = process.env.FRONTEND_HOST || "127.0.0.1";
const port = Number.parseInt(process.env.FRONTEND_PORT || "3000", 10);
const backend = new URL(
  process.env.BACKEND_URL || `http://127.0.0.1:${process.env.WEB_PORT || "8000"}`,
);
process.env.BACKEND_URL = backend.origin;
process.env.NEXT_TELEMETRY_DISABLED = "1";

const BACKEND_PATH = /^\/(?:api\/(?!session(?:\/|$|\?))|admin\/|static\/|healthz(?:$|\?)|readyz(?:$|\?))/;
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function forwardedFor(req) {
  const previous = req.headers["x-forwarded-for"];
  const peer = req.socket.remoteAddress || "";
  return previous ? `${previous}, ${peer}` : peer;
}

function upstreamHeaders(req) {
  const headers = { ...req.headers };
  headers["x-forwarded-for"] = forwardedFor(req);
  headers["x-forwarded-host"] = req.headers.host || "";
  headers["x-forwarded-proto"] = req.headers["x-forwarded-proto"] || "http";
  headers.host = backend.host;
  return headers;
}

function proxyHttp(req, res) {
  const headers = upstreamHeaders(req);
  for (const name of HOP_BY_HOP) delete headers[name];
  const upstream = http.request(
    { hostname: backend.hostname, port: backend.port || 80, path: req.url, method: req.method, headers },
    (response) => {
      const out = { ...response.headers };
      for (const name of HOP_BY_HOP) delete out[name];
      res.writeHead(response.statusCode || 502, response.statusMessage, out);
      response.pipe(res);
    },
  );
  upstream.on("error", () => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(502, { "content-type": "application/json", "retry-after": "5" });
    res.end(
      JSON.stringify({
        error: { code: "backend_unavailable", message: "The API server is not reachable.", fields: {} },
      }),
    );
  });
  req.pipe(upstream);
}

function refuse(socket, status, reason) {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function proxyUpgrade(req, socket, head) {
  // The browser's Origin must match the host it connected to (same-origin); Django then sees the
  // backend's own origin, so phones on the LAN work without listing their address in ALLOWED_HOSTS.
  const origin = req.headers.origin;
  if (origin) {
    let originHost = "";
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = "";
    }
    if (originHost !== req.headers.host) {
      refuse(socket, 403, "Forbidden");
      return;
    }
  }
  const headers = upstreamHeaders(req);
  if (origin) headers.origin = backend.origin;
  const upstream = http.request({
    hostname: backend.hostname,
    port: backend.port || 80,
    path: req.url,
    method: "GET",
    headers,
  });
  upstream.on("upgrade", (response, upstreamSocket, upstreamHead) => {
    const lines = [`HTTP/1.1 101 ${response.statusMessage || "Switching Protocols"}`];
    for (let i = 0; i < response.rawHeaders.length; i += 2) {
      lines.push(`${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}`);
    }
    socket.write(`${lines.join("\r\n")}\r\n\r\n`);
    if (upstreamHead && upstreamHead.length) socket.write(upstreamHead);
    if (head && head.length) upstreamSocket.write(head);
    const close = () => {
      socket.destroy();
      upstreamSocket.destroy();
    };
    socket.on("error", close);
    upstreamSocket.on("error", close);
    socket.on("close", close);
    upstreamSocket.on("close", close);
    upstreamSocket.pipe(socket);
    socket.pipe(upstreamSocket);
  });
  upstream.on("response", (response) => {
    refuse(socket, response.statusCode || 502, response.statusMessage || "Bad Gateway");
    response.resume();
  });
  upstream.on("error", () => refuse(socket, 502, "Bad Gateway"));
  socket.on("error", () => upstream.destroy());
  upstream.end();
}

const app = next({ dev, hostname: host, port, dir: import.meta.dirname });
const handle = app.getRequestHandler();
await app.prepare();
const nextUpgrade = app.getUpgradeHandler();

const server = http.createServer((req, res) => {
  if (BACKEND_PATH.test(req.url || "")) {
    proxyHttp(req, res);
    return;
  }
  handle(req, res);
});
server.on("upgrade", (req, socket, head) => {
  if ((req.url || "").startsWith("/ws/")) {
    proxyUpgrade(req, socket, head);
    return;
  }
  nextUpgrade(req, socket, head);
});
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
