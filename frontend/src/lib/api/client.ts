import type { paths } from "./schema";
import { ApiError, apiErrorFrom } from "./errors";
import { getAccessToken, refreshSession } from "./session";

export type ApiPath = keyof paths;

type Query = Record<string, string | number | boolean | null | undefined | string[]>;

/** Fill "{name}" placeholders and append a query string. */
export function apiUrl(template: ApiPath, params: Record<string, string | number> = {}, query: Query = {}): string {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    search.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

export type RequestOptions = {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  params?: Record<string, string | number>;
  query?: Query;
  body?: unknown;
  /** Send the access token (default true). Market endpoints work without it. */
  auth?: boolean | "optional";
  signal?: AbortSignal;
  headers?: Record<string, string>;
};

/** Call the API through the same-origin proxy; JSON in and out; throws ApiError on failure. */
export async function api<T>(template: ApiPath, options: RequestOptions = {}): Promise<T> {
  const response = await apiResponse(template, options);
  if (response.status === 204 || response.status === 205) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Like `api` but returns the raw Response (downloads). */
export async function apiResponse(template: ApiPath, options: RequestOptions = {}): Promise<Response> {
  const { method = "GET", params, query, body, auth = true, signal, headers = {} } = options;
  const url = apiUrl(template, params, query);
  const send = async (token: string | null) => {
    const init: RequestInit = { method, signal, headers: { accept: "application/json", ...headers }, credentials: "omit" };
    const h = init.headers as Record<string, string>;
    // The page's language (the root layout sets <html lang>), so the server can answer in it too.
    if (typeof document !== "undefined" && document.documentElement.lang && !h["accept-language"]) h["accept-language"] = document.documentElement.lang;
    if (token) h.authorization = `Bearer ${token}`;
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      h["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init);
  };
  const token = auth ? await getAccessToken() : null;
  if (auth === true && !token) throw new ApiError(401, "not_authenticated", "Please sign in.");
  let response = await send(token);
  if (response.status === 401 && auth) {
    const fresh = await refreshSession();
    if (fresh) response = await send(fresh);
  }
  if (!response.ok) throw await apiErrorFrom(response);
  return response;
}
