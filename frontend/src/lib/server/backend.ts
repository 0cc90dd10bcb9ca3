import "server-only";

/** Django's origin as seen from the Next.js server (set by server.mjs from BACKEND_URL). */
export function backendUrl(path: string): string {
  const base = process.env.BACKEND_URL || `http://127.0.0.1:${process.env.WEB_PORT || "8000"}`;
  return new URL(path, base).toString();
}

/** Fetch JSON from Django on the server. Throws on network errors and non-2xx answers. */
export async function backendJson<T>(path: string, init: RequestInit & { next?: { revalidate?: number } } = {}): Promise<T> {
  const response = await fetch(backendUrl(path), {
    ...init,
    headers: { accept: "application/json", ...(init.headers as Record<string, string> | undefined) },
    signal: init.signal ?? AbortSignal.timeout(8000),
  });
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return (await response.json()) as T;
}
