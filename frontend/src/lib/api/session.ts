// Session handling in the browser. The refresh token lives only in an httpOnly cookie that the
// Next.js route handlers under /api/session/* set and read; JavaScript only ever sees the
// short-lived access token, kept in memory (the auth store).
import { useAuthStore } from "@/stores/auth";
import { apiErrorFrom } from "./errors";
import { jwtExpiresSoon } from "./jwt";
import type { Session, User } from "./types";

let inflight: Promise<string | null> | null = null;

async function postSession(path: string, body?: unknown): Promise<Response> {
  return fetch(`/api/session/${path}`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", "x-requested-with": "fetch" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Exchange the refresh cookie for a new access token. Concurrent callers share one request. */
export function refreshSession(): Promise<string | null> {
  if (inflight) return inflight;
  inflight = (async () => {
    try {
      const response = await postSession("refresh");
      if (!response.ok) {
        if (response.status === 401 || response.status === 400) useAuthStore.getState().clear();
        else if (useAuthStore.getState().status === "loading") useAuthStore.getState().clear();
        return null;
      }
      const session = (await response.json()) as Session;
      useAuthStore.getState().setSession(session);
      return session.access;
    } catch {
      if (useAuthStore.getState().status === "loading") useAuthStore.getState().clear();
      return null;
    } finally {
      inflight = null;
    }
  })();
  return inflight;
}

/** A valid access token (refreshed when it expires within 30 s), or null when signed out. */
export async function getAccessToken(): Promise<string | null> {
  const { access, status } = useAuthStore.getState();
  if (access && !jwtExpiresSoon(access)) return access;
  if (status === "anonymous") return null;
  return refreshSession();
}

export async function login(username: string, password: string): Promise<User> {
  const response = await postSession("login", { username, password });
  if (!response.ok) throw await apiErrorFrom(response);
  const session = (await response.json()) as Session;
  useAuthStore.getState().setSession(session);
  return session.user;
}

export async function register(username: string, email: string, password: string): Promise<User> {
  const response = await postSession("register", { username, email, password });
  if (!response.ok) throw await apiErrorFrom(response);
  const session = (await response.json()) as Session;
  useAuthStore.getState().setSession(session);
  return session.user;
}

export async function logout(): Promise<void> {
  try {
    await postSession("logout");
  } finally {
    useAuthStore.getState().clear();
  }
}
