/** Seconds since the epoch at which a JWT expires, or null if it cannot be read. No verification. */
export function jwtExpiry(token: string): number | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const json = typeof atob === "function" ? atob(padded) : Buffer.from(padded, "base64").toString("binary");
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp : null;
  } catch {
    return null;
  }
}

/** True when the token expires within `marginSeconds` (or cannot be read). */
export function jwtExpiresSoon(token: string, marginSeconds = 30, nowMs: number = Date.now()): boolean {
  const exp = jwtExpiry(token);
  return exp === null || exp * 1000 - nowMs < marginSeconds * 1000;
}
