import type { NextRequest } from "next/server";
import {
  REFRESH_COOKIE,
  clearRefreshCookie,
  crossSite,
  errorResponse,
  rotate,
  sessionResponse,
  unavailable,
} from "@/lib/server/session";

export const dynamic = "force-dynamic";

export async function POST(request: NextRequest) {
  if (crossSite(request)) return errorResponse(403, "cross_site", "Cross-site request refused.");
  const refresh = request.cookies.get(REFRESH_COOKIE)?.value;
  if (!refresh) return errorResponse(401, "not_authenticated", "No session.");
  try {
    const result = await rotate(request, refresh);
    if ("failed" in result) {
      if (result.failed.status >= 500 || result.failed.status === 429) {
        return errorResponse(result.failed.status, "refresh_unavailable", "Could not refresh the session right now.");
      }
      const response = errorResponse(401, "session_expired", "Your session has expired. Please sign in again.");
      clearRefreshCookie(response);
      return response;
    }
    return sessionResponse(request, result.pair);
  } catch {
    return unavailable();
  }
}
