// @vitest-environment node
import { afterEach, describe, expect, test, vi } from "vitest";
import { NextRequest } from "next/server";

vi.mock("server-only", () => ({}));
const { CLIENT_ADDRESS_HEADER, DEVICE_COOKIE, REFRESH_COOKIE, forwardHeaders, rotate } = await import("@/lib/server/session");

const DEVICE = "d".repeat(43);
let counter = 0;

function refreshRequest(refresh: string, device?: string, headers: Record<string, string> = {}): NextRequest {
  const cookie = [`${REFRESH_COOKIE}=${refresh}`, device ? `${DEVICE_COOKIE}=${device}` : ""].filter(Boolean).join("; ");
  return new NextRequest("http://127.0.0.1:3000/api/session/refresh", { method: "POST", headers: { cookie, ...headers } });
}

/** Django's refresh endpoint with rotation: each token works once; a second use is 401. */
function djangoRefresh() {
  const used = new Set<string>();
  const calls: { refresh: string; forwardedFor: string | null }[] = [];
  const fetchMock = vi.fn(async (_url: string | URL | Request, init?: RequestInit) => {
    const { refresh } = JSON.parse(String(init?.body)) as { refresh: string };
    calls.push({ refresh, forwardedFor: new Headers(init?.headers).get("x-forwarded-for") });
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (used.has(refresh)) return Response.json({ error: { code: "token_not_valid", message: "Token is blacklisted", fields: {} } }, { status: 401 });
    used.add(refresh);
    counter += 1;
    return Response.json({ access: `access-${counter}`, refresh: `refresh-${counter}` });
  });
  vi.stubGlobal("fetch", fetchMock);
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe("session refresh grace (reuse detection stays on)", () => {
  test("test_two_tabs_of_one_browser_refreshing_at_once_share_one_rotation", async () => {
    const calls = djangoRefresh();
    const [first, second] = await Promise.all([rotate(refreshRequest("old-1", DEVICE), "old-1"), rotate(refreshRequest("old-1", DEVICE), "old-1")]);
    expect(calls).toHaveLength(1);
    expect(first).toEqual(second);
    expect("pair" in first && first.pair.refresh).toMatch(/^refresh-/);
    const later = await rotate(refreshRequest("old-1", DEVICE), "old-1"); // a tab that was a little slower
    expect(later).toEqual(first);
    expect(calls).toHaveLength(1);
  });

  test("test_a_replayed_rotated_cookie_without_the_browsers_device_cookie_gets_no_tokens", async () => {
    const calls = djangoRefresh();
    const owner = await rotate(refreshRequest("old-2", DEVICE), "old-2");
    expect("pair" in owner).toBe(true);

    const thief = await rotate(refreshRequest("old-2"), "old-2");
    const otherBrowser = await rotate(refreshRequest("old-2", "x".repeat(43)), "old-2");

    expect("failed" in thief && thief.failed.status).toBe(401);
    expect("failed" in otherBrowser && otherBrowser.failed.status).toBe(401);
    expect(calls.map((call) => call.refresh)).toEqual(["old-2", "old-2", "old-2"]); // Django saw the reuse
  });
});

describe("client address sent to Django", () => {
  test("test_the_route_handlers_forward_the_servers_client_address_not_the_clients_header", async () => {
    const calls = djangoRefresh();
    const request = refreshRequest("old-3", DEVICE, { "x-forwarded-for": "6.6.6.6", [CLIENT_ADDRESS_HEADER]: "127.0.0.2" });
    await rotate(request, "old-3");
    expect(calls[0]?.forwardedFor).toBe("127.0.0.2");
  });

  test("test_without_the_servers_address_no_forwarded_header_is_sent", () => {
    const headers = forwardHeaders(refreshRequest("x", DEVICE, { "x-forwarded-for": "6.6.6.6" }));
    expect(headers["x-forwarded-for"]).toBeUndefined();
  });
});
