// @vitest-environment node
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, test } from "vitest";
import { clientAddress, createProxy, createProxyServer, trustedProxies } from "../../proxy.mjs";

const request = (peer: string, headers: Record<string, string> = {}) =>
  ({ socket: { remoteAddress: peer }, headers }) as unknown as Parameters<typeof clientAddress>[0];

describe("the client address the web client's server sends to Django", () => {
  test("test_a_direct_client_is_its_socket_peer_whatever_it_writes", () => {
    const none = trustedProxies("");
    expect(clientAddress(request("::ffff:203.0.113.7", { "x-forwarded-for": "1.2.3.4" }), none)).toBe("203.0.113.7");
  });

  test("test_behind_a_trusted_gateway_the_rightmost_untrusted_hop_is_the_client", () => {
    const gateway = trustedProxies("172.16.0.0/12");
    const forged = { "x-forwarded-for": "1.2.3.4, 203.0.113.7" }; // the client wrote 1.2.3.4; nginx appended its peer
    expect(clientAddress(request("172.18.0.5", forged), gateway)).toBe("203.0.113.7");
    expect(clientAddress(request("172.18.0.5", { "x-forwarded-for": "203.0.113.7, 172.18.0.9" }), gateway)).toBe("203.0.113.7");
    expect(clientAddress(request("172.18.0.5", { "x-forwarded-for": "garbage" }), gateway)).toBe("172.18.0.5");
  });

  test("test_the_forwarded_headers_replace_what_the_client_sent", () => {
    const proxy = createProxy({ backend: new URL("http://127.0.0.1:8000"), trusted: trustedProxies("") });
    const headers = proxy.upstreamHeaders(
      request("127.0.0.2", { host: "app.example", "x-forwarded-for": "6.6.6.6", "x-forwarded-proto": "https", "x-vnp-client-address": "6.6.6.6" }),
    );
    expect(headers["x-forwarded-for"]).toBe("127.0.0.2");
    expect(headers["x-forwarded-proto"]).toBe("http");
    expect(headers["x-vnp-client-address"]).toBeUndefined();
    expect(headers.host).toBe("127.0.0.1:8000");
  });

  test("test_a_malformed_trusted_proxy_entry_is_refused", () => {
    expect(() => trustedProxies("10.0.0.0/8, gateway")).toThrow(/FRONTEND_TRUSTED_PROXIES/);
  });
});

describe("what the Next.js handlers see", () => {
  test("test_pages_and_session_handlers_get_the_stamped_address_and_scheme_not_the_clients", async () => {
    let seen: http.IncomingHttpHeaders = {};
    const server = createProxyServer({
      backend: new URL("http://127.0.0.1:9"),
      trusted: trustedProxies(""),
      handle: (req: http.IncomingMessage, res: http.ServerResponse) => {
        seen = req.headers;
        res.end("ok");
      },
      upgrade: () => {},
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await fetch(`http://127.0.0.1:${port}/api/session/login`, {
        headers: {
          "x-vnp-client-address": "6.6.6.6",
          "x-forwarded-for": "6.6.6.6",
          "x-forwarded-proto": "https",
          "x-forwarded-host": "evil.example",
        },
      });
    } finally {
      server.close();
    }
    expect(seen["x-vnp-client-address"]).toBe("127.0.0.1");
    expect(seen["x-forwarded-proto"]).toBe("http");
    expect(seen["x-forwarded-host"]).toBeUndefined();
  });
});
