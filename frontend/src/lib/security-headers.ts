// The web client's security headers. Pages get a Content-Security-Policy with a fresh nonce per
// request (src/proxy.ts): Next.js reads the nonce from the request's CSP header and puts it on every
// script it renders, so inline scripts run only when the server wrote them. Pages are therefore
// rendered per request (the root layout reads the request's x-nonce); a statically built page would
// carry no nonce and its scripts would be refused.

/** A random, base64 nonce (128 bits). */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

export type PolicyOptions = { nonce: string; host: string; https: boolean; development: boolean };

/** The page CSP. `host` is the host the browser used: the websockets (/ws/) live on the same origin. */
export function contentSecurityPolicy({ nonce, host, https, development }: PolicyOptions): string {
  const sockets = host ? ` ${https ? "wss" : "ws"}://${host}` : "";
  const directives = [
    "default-src 'self'",
    // 'strict-dynamic': scripts the nonced Next.js runtime loads (route chunks) are trusted too.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}`,
    // style attributes (Radix positioning, chart sizes) need 'unsafe-inline'; no nonce here, since a
    // nonce would make browsers ignore 'unsafe-inline'.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${sockets}`,
    "worker-src 'self' blob:",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ];
  if (https) directives.push("upgrade-insecure-requests");
  return directives.join("; ");
}

/** Headers for every response of the Next.js server (pages, assets, /api/session/*). */
export function securityHeaders({ https, production }: { https: boolean; production: boolean }): Record<string, string> {
  const headers: Record<string, string> = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "cross-origin-opener-policy": "same-origin",
  };
  // Browsers ignore HSTS over plain HTTP; in production over HTTPS pin it for a year (as Django does).
  if (production && https) headers["strict-transport-security"] = "max-age=31536000; includeSubDomains";
  return headers;
}
