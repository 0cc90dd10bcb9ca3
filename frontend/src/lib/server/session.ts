import "server-only";
import { NextResponse, type NextRequest } from "next/server";
import { backendUrl } from "./backend";
import { jwtExpiry } from "@/lib/api/jwt";

// The refresh token is set as an httpOnly, SameSite=Strict cookie scoped to /api/session, so the
// browser sends it only to these route handlers and page scripts can never read it.
export const REFRESH_COOKIE = "vnp_refresh";
const COOKIE_PATH = "/api/session";

type TokenPair = { access: string; refresh: string };

// Refresh tokens rotate, and Django treats a rotated token presented again as stolen: it revokes the
// whole family (reuse detection). Two tabs of one browser refreshing at once send the same cookie, so
// for a few seconds a rotation is shared, but only with the browser that asked for it: the key is
// the old refresh token *and* the browser's device cookie (random, httpOnly, never sent to Django).
// Anyone else replaying the old cookie goes to Django, which revokes the family.
export const DEVICE_COOKIE = "vnp_device";
const GRACE_MS = 30_000;
const recentlyRotated = new Map<string, { pair: TokenPair; at: number }>();
const rotating = new Map<string, Promise<{ pair: TokenPair } | { failed: Response }>>();

function graceKey(request: NextRequest, refresh: string): string | null {
  const device = request.cookies.get(DEVICE_COOKIE)?.value;
  return device && device.length >= 32 ? `${device}\n${refresh}` : null;
}

function rememberRotation(key: string, pair: TokenPair): void {
  const now = Date.now();
  for (const [old, entry] of recentlyRotated) if (now - entry.at > GRACE_MS) recentlyRotated.delete(old);
  recentlyRotated.set(key, { pair, at: now });
}

function rotatedRecently(key: string): TokenPair | null {
  const entry = recentlyRotated.get(key);
  return entry && Date.now() - entry.at <= GRACE_MS ? entry.pair : null;
}

function newDeviceId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Buffer.from(bytes).toString("base64url");
}

export function errorResponse(status: number, code: string, message: string, fields: Record<string, string[]> = {}) {
  return NextResponse.json({ error: { code, message, fields } }, { status, headers: { "cache-control": "no-store" } });
}

/** Refuse cross-site calls: the Origin (when sent) must be this site. */
export function crossSite(request: NextRequest): boolean {
  const origin = request.headers.get("origin");
  if (!origin) return request.headers.get("sec-fetch-site") === "cross-site";
  const host = request.headers.get("x-forwarded-host") || request.headers.get("host");
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}

// server.mjs (proxy.mjs) sets this on every request from the socket peer, replacing whatever the
// client sent; the client's own X-Forwarded-For is never passed on (it would choose its rate bucket).
export const CLIENT_ADDRESS_HEADER = "x-vnp-client-address";

export function forwardHeaders(request: NextRequest, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json", ...extra };
  const client = request.headers.get(CLIENT_ADDRESS_HEADER);
  if (client) headers["x-forwarded-for"] = client;
  const agent = request.headers.get("user-agent");
  if (agent) headers["user-agent"] = agent;
  return headers;
}

export async function callBackend(request: NextRequest, path: string, body?: unknown, token?: string): Promise<Response> {
  return fetch(backendUrl(path), {
    method: body === undefined && token ? "GET" : "POST",
    headers: forwardHeaders(request, token ? { authorization: `Bearer ${token}` } : {}),
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
    signal: AbortSignal.timeout(10_000),
  });
}

/** Pass a backend error through unchanged (status and {"error": ...} body). */
export async function passThrough(response: Response): Promise<NextResponse> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = { error: { code: "upstream_error", message: text.slice(0, 200) || response.statusText, fields: {} } };
  }
  const headers: Record<string, string> = { "cache-control": "no-store" };
  const retry = response.headers.get("retry-after");
  if (retry) headers["retry-after"] = retry;
  return NextResponse.json(body, { status: response.status, headers });
}

function secureCookies(request: NextRequest): boolean {
  if (process.env.COOKIE_SECURE === "1") return true;
  if (process.env.COOKIE_SECURE === "0") return false;
  return (request.headers.get("x-forwarded-proto") || request.nextUrl.protocol.replace(":", "")) === "https";
}

export function setRefreshCookie(request: NextRequest, response: NextResponse, refresh: string): void {
  const exp = jwtExpiry(refresh);
  const maxAge = exp ? Math.max(0, Math.floor(exp - Date.now() / 1000)) : 7 * 24 * 3600;
  response.cookies.set(REFRESH_COOKIE, refresh, {
    httpOnly: true,
    secure: secureCookies(request),
    sameSite: "strict",
    path: COOKIE_PATH,
    maxAge,
  });
  response.cookies.set(DEVICE_COOKIE, request.cookies.get(DEVICE_COOKIE)?.value || newDeviceId(), {
    httpOnly: true,
    secure: secureCookies(request),
    sameSite: "strict",
    path: COOKIE_PATH,
    maxAge: 365 * 24 * 3600,
  });
}

export function clearRefreshCookie(response: NextResponse): void {
  response.cookies.set(REFRESH_COOKIE, "", { httpOnly: true, sameSite: "strict", path: COOKIE_PATH, maxAge: 0 });
}

/** Given a fresh token pair: fetch the user, set the cookie and answer {access, user}. */
export async function sessionResponse(request: NextRequest, pair: TokenPair, status = 200): Promise<NextResponse> {
  const me = await callBackend(request, "/api/auth/me/", undefined, pair.access);
  if (!me.ok) return passThrough(me);
  const user = await me.json();
  const response = NextResponse.json({ access: pair.access, user }, { status, headers: { "cache-control": "no-store" } });
  setRefreshCookie(request, response, pair.refresh);
  return response;
}

export async function readJson(request: NextRequest): Promise<Record<string, unknown> | null> {
  try {
    const body = await request.json();
    return body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export async function obtainPair(request: NextRequest, username: unknown, password: unknown): Promise<Response> {
  return callBackend(request, "/api/auth/token/", { username, password });
}

async function exchange(request: NextRequest, refresh: string): Promise<{ pair: TokenPair } | { failed: Response }> {
  const response = await callBackend(request, "/api/auth/token/refresh/", { refresh });
  if (!response.ok) return { failed: response };
  const data = (await response.json()) as Partial<TokenPair>;
  return { pair: { access: data.access ?? "", refresh: data.refresh ?? refresh } };
}

export async function rotate(request: NextRequest, refresh: string): Promise<{ pair: TokenPair } | { failed: Response }> {
  const key = graceKey(request, refresh);
  if (key === null) return exchange(request, refresh);
  const cached = rotatedRecently(key);
  if (cached) return { pair: cached };
  const pending = rotating.get(key);
  if (pending) return pending;
  const started = exchange(request, refresh).then((result) => {
    if ("pair" in result) rememberRotation(key, result.pair);
    return result;
  });
  rotating.set(key, started);
  try {
    return await started;
  } finally {
    rotating.delete(key);
  }
}

export function unavailable(): NextResponse {
  return errorResponse(503, "backend_unavailable", "The API server is not reachable. Please try again shortly.");
}
