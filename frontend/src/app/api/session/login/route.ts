import type { NextRequest } from "next/server";
import { crossSite, errorResponse, obtainPair, passThrough, readJson, sessionResponse, unavailable } from "@/lib/server/session";

export const dynamic = "force-dynamic";

export async function POST(request: NextRequest) {
  if (crossSite(request)) return errorResponse(403, "cross_site", "Cross-site request refused.");
  const body = await readJson(request);
  if (!body) return errorResponse(400, "invalid", "Expected a JSON body.");
  try {
    const tokens = await obtainPair(request, body.username, body.password);
    if (!tokens.ok) return passThrough(tokens);
    return sessionResponse(request, await tokens.json());
  } catch {
    return unavailable();
  }
}
