import { NextResponse, type NextRequest } from "next/server";
import { REFRESH_COOKIE, callBackend, clearRefreshCookie, crossSite, errorResponse } from "@/lib/server/session";

export const dynamic = "force-dynamic";

export async function POST(request: NextRequest) {
  if (crossSite(request)) return errorResponse(403, "cross_site", "Cross-site request refused.");
  const refresh = request.cookies.get(REFRESH_COOKIE)?.value;
  if (refresh) {
    try {
      await callBackend(request, "/api/auth/logout/", { refresh });
    } catch {
      // The cookie goes regardless; the token expires on its own.
    }
  }
  const response = new NextResponse(null, { status: 204, headers: { "cache-control": "no-store" } });
  clearRefreshCookie(response);
  return response;
}
