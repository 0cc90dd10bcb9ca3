// The proxy of server.mjs without the Next.js pages (no build needed): /api, /admin, /static,
// /healthz, /readyz and /ws go to BACKEND_URL exactly as under server.mjs; any other path is 404.
// The end-to-end tests (tests/e2e/test_client_addresses.py) put it in front of daphne.
// Usage: FRONTEND_PORT=3001 BACKEND_URL=http://127.0.0.1:8000 node scripts/proxy-server.mjs
import { createProxyServer, proxySettings } from "../proxy.mjs";

const host = process.env.FRONTEND_HOST || "127.0.0.1";
const port = Number.parseInt(process.env.FRONTEND_PORT || "3000", 10);
const { backend, trusted } = proxySettings();

function notHere(req, res) {
  res.writeHead(404, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { code: "not_found", message: "Only the API proxy runs here.", fields: {} } }));
}

const server = createProxyServer({
  backend,
  trusted,
  handle: notHere,
  upgrade: (req, socket) => socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
});
server.listen(port, host, () => console.log(`[proxy] http://${host}:${port} -> ${backend.origin}`));
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
