// @vitest-environment node
import { describe, expect, test } from "vitest";
import { NextRequest } from "next/server";
import { proxy } from "@/proxy";

function directives(policy: string | null): Record<string, string> {
  return Object.fromEntries((policy ?? "").split(";").map((part) => {
    const [name = "", ...values] = part.trim().split(" ");
    return [name, values.join(" ")];
  }));
}

const get = (path: string, headers: Record<string, string> = {}) =>
  proxy(new NextRequest(`http://127.0.0.1:3000${path}`, { headers: { host: "127.0.0.1:3000", ...headers } }));

describe("the web client's security headers", () => {
  test("test_the_login_page_cannot_be_framed_or_sniffed", () => {
    const response = get("/login");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("same-origin");
    expect(directives(response.headers.get("content-security-policy"))["frame-ancestors"]).toBe("'none'");
  });

  test("test_pages_allow_only_their_nonced_scripts_and_the_same_origin_websocket", () => {
    const response = get("/portfolio");
    const csp = directives(response.headers.get("content-security-policy"));
    expect(csp["script-src"]).toMatch(/^'self' 'nonce-[A-Za-z0-9+/=]{16,}' 'strict-dynamic'$/);
    expect(csp["connect-src"]).toBe("'self' ws://127.0.0.1:3000");
    expect(csp["object-src"]).toBe("'none'");
    // Next.js reads the nonce from the request's CSP header; the layout from x-nonce.
    const forwarded = response.headers.get("x-middleware-request-content-security-policy");
    const nonce = response.headers.get("x-middleware-request-x-nonce");
    expect(forwarded).toBe(response.headers.get("content-security-policy"));
    expect(csp["script-src"]).toContain(`'nonce-${nonce}'`);
  });

  test("test_hsts_and_secure_websockets_only_over_https_in_production", () => {
    expect(get("/").headers.get("strict-transport-security")).toBeNull();
    const secure = get("/", { "x-forwarded-proto": "https" });
    expect(secure.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
    const csp = directives(secure.headers.get("content-security-policy"));
    expect(csp["connect-src"]).toBe("'self' wss://127.0.0.1:3000");
    expect(csp).toHaveProperty("upgrade-insecure-requests");
  });

  test("test_session_handlers_get_the_headers_but_no_page_policy", () => {
    const response = get("/api/session/refresh");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toBeNull();
  });
});
