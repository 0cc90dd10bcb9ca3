// The same-origin proxy in front of Django, without Next.js (server.mjs adds the pages).
//
//   /api/*, /admin/*, /static/*, /healthz, /readyz   proxied over HTTP to the backend
//   /ws/*                                            websocket upgrades proxied to the backend
//   everything else                                  `handle` (the Next.js app), after stamping
//                                                    CLIENT_ADDRESS_HEADER for its route handlers
//                                                    and X-Forwarded-Proto (the scheme it believes)
//
// Client addresses: Django counts rate limits per client address and trusts the X-Forwarded-For of
// this server only (TRUSTED_PROXIES). So this server never passes on what a client wrote: it resolves
// the client from the socket peer and sends exactly that address. Only when the peer is one of
// FRONTEND_TRUSTED_PROXIES (an outer proxy such as docker-compose's gateway) does it read the
// X-Forwarded-For that proxy appended to, right to left, stopping at the first untrusted address
// (the rule of portfolio_site/client_ip.py).
import http from "node:http";
import net from "node:net";

/** Set on every request handed to Next.js (any value the client sent is replaced). */
export const CLIENT_ADDRESS_HEADER = "x-vnp-client-address";

export const BACKEND_PATH =
  /^\/(?:api\/(?!session(?:\/|$|\?))|admin\/|static\/|healthz(?:$|\?)|readyz(?:$|\?))/;
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

/** "::ffff:10.0.0.1" -> "10.0.0.1", "[2001:db8::1]:443" -> "2001:db8::1", "1.2.3.4:5" -> "1.2.3.4"; null if not an IP. */
export function parseAddress(value) {
  let text = String(value ?? "").trim();
  if (text.startsWith("[") && text.includes("]")) text = text.slice(1, text.indexOf("]"));
  else if (text.split(":").length === 2) text = text.split(":")[0];
  if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(text)) text = text.slice(7);
  return net.isIP(text) ? text : null;
}

/** A BlockList of the comma-separated addresses and networks in `text` (e.g. "172.16.0.0/12,fd00::/8"). */
export function trustedProxies(text) {
  const list = new net.BlockList();
  for (const entry of String(text ?? "").split(",").map((item) => item.trim()).filter(Boolean)) {
    const [address, bits] = entry.split("/");
    const type = net.isIP(address) === 6 ? "ipv6" : "ipv4";
    if (!net.isIP(address) || (bits !== undefined && !/^\d+$/.test(bits))) {
      throw new Error(`FRONTEND_TRUSTED_PROXIES: ${JSON.stringify(entry)} is not an IP address or network`);
    }
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

function isTrusted(address, trusted) {
  return trusted.check(address, net.isIP(address) === 6 ? "ipv6" : "ipv4");
}

/** The client's address: the socket peer, or (behind a trusted proxy) the rightmost untrusted hop. */
export function clientAddress(req, trusted) {
  const peer = parseAddress(req.socket.remoteAddress);
  if (peer === null) return "";
  if (!isTrusted(peer, trusted)) return peer;
  let client = peer;
  const header = req.headers["x-forwarded-for"];
  const hops = (Array.isArray(header) ? header.join(",") : header || "").split(",").filter((hop) => hop.trim());
  for (const hop of hops.reverse()) {
    const address = parseAddress(hop);
    if (address === null) break; // garbage where a proxy should have written: stop at the last we trust
    client = address;
    if (!isTrusted(address, trusted)) break;
  }
  return client;
}

function forwardedProto(req, trusted) {
  const peer = parseAddress(req.socket.remoteAddress);
  const claimed = String(req.headers["x-forwarded-proto"] || "").split(",")[0].trim();
  if (peer !== null && isTrusted(peer, trusted) && (claimed === "https" || claimed === "http")) return claimed;
  return req.socket.encrypted ? "https" : "http";
}

export function createProxy({ backend, trusted = new net.BlockList() }) {
  function upstreamHeaders(req) {
    const headers = { ...req.headers };
    delete headers[CLIENT_ADDRESS_HEADER];
    const client = clientAddress(req, trusted);
    if (client) headers["x-forwarded-for"] = client;
    else delete headers["x-forwarded-for"];
    headers["x-forwarded-host"] = req.headers.host || "";
    headers["x-forwarded-proto"] = forwardedProto(req, trusted);
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

  return { proxyHttp, proxyUpgrade, upstreamHeaders };
}

/**
 * An HTTP server: backend paths and /ws/ go to `backend`; everything else to `handle(req, res)` and
 * `upgrade(req, socket, head)` with CLIENT_ADDRESS_HEADER set to the resolved client address.
 */
export function createProxyServer({ backend, trusted, handle, upgrade }) {
  const proxy = createProxy({ backend, trusted });
  const believed = trusted ?? new net.BlockList();
  const stamp = (req) => {
    const client = clientAddress(req, believed);
    if (client) req.headers[CLIENT_ADDRESS_HEADER] = client;
    else delete req.headers[CLIENT_ADDRESS_HEADER];
    // The scheme (Secure cookies, HSTS) and host (same-site checks) only from a trusted proxy too.
    req.headers["x-forwarded-proto"] = forwardedProto(req, believed);
    const peer = parseAddress(req.socket.remoteAddress);
    if (peer === null || !isTrusted(peer, believed)) delete req.headers["x-forwarded-host"];
  };
  const server = http.createServer((req, res) => {
    if (BACKEND_PATH.test(req.url || "")) {
      proxy.proxyHttp(req, res);
      return;
    }
    stamp(req);
    handle(req, res);
  });
  server.on("upgrade", (req, socket, head) => {
    if ((req.url || "").startsWith("/ws/")) {
      proxy.proxyUpgrade(req, socket, head);
      return;
    }
    stamp(req);
    upgrade(req, socket, head);
  });
  return server;
}

/** The settings both servers read: BACKEND_URL (or WEB_PORT) and FRONTEND_TRUSTED_PROXIES. */
export function proxySettings(env = process.env) {
  return {
    backend: new URL(env.BACKEND_URL || `http://127.0.0.1:${env.WEB_PORT || "8000"}`),
    trusted: trustedProxies(env.FRONTEND_TRUSTED_PROXIES),
  };
}
