// Next.js Proxy (formerly middleware): security headers on every response of the Next.js server and
// a per-request CSP nonce on pages (see src/lib/security-headers.ts).
import { NextResponse, type NextRequest } from "next/server";
import { contentSecurityPolicy, newNonce, securityHeaders } from "@/lib/security-headers";

export function proxy(request: NextRequest) {
  // server.mjs (proxy.mjs) sets x-forwarded-proto from the socket, or from a trusted outer proxy.
  const https = request.headers.get("x-forwarded-proto") === "https";
  const development = process.env.NODE_ENV === "development";
  const page = !request.nextUrl.pathname.startsWith("/api/") && !request.nextUrl.pathname.startsWith("/_next/");
  const requestHeaders = new Headers(request.headers);
  let policy: string | null = null;
  requestHeaders.delete("x-nonce");
  if (page) {
    const nonce = newNonce();
    policy = contentSecurityPolicy({ nonce, host: request.headers.get("host") ?? "", https, development });
    requestHeaders.set("content-security-policy", policy); // Next.js takes the nonce from here
    requestHeaders.set("x-nonce", nonce); // the root layout hands it to next-themes' inline script
  }
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  if (policy) response.headers.set("content-security-policy", policy);
  for (const [name, value] of Object.entries(securityHeaders({ https, production: !development }))) {
    response.headers.set(name, value);
  }
  return response;
}

export const config = {
  matcher: ["/:path*"], // everything the Next.js server answers (server.mjs sends /api/* to Django first)
};
