import type { ApiErrorBody } from "./types";

/** A failed API call, carrying the server's {"error": {code, message, fields}} body. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** Field name -> messages, for showing next to inputs. */
  readonly fields: Record<string, string[]>;
  /** `error.fields` exactly as the server sent it (e.g. an import's list of bad rows). */
  readonly raw: Record<string, unknown>;

  constructor(status: number, code: string, message: string, fields: Record<string, string[]> = {}, raw: Record<string, unknown> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.raw = raw;
  }

  /** The first message for a field, for showing next to the input. */
  field(name: string): string | undefined {
    return this.fields[name]?.[0];
  }
}

/**
 * Field errors are lists of messages ({"price": ["A valid number is required."]}). Domain errors
 * put context in `fields` instead ({"available": "0", "requested": "100"}): those are not messages
 * and stay in `raw` only.
 */
function normaliseFields(raw: unknown): Record<string, string[]> {
  if (!raw || typeof raw !== "object") return {};
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (Array.isArray(value) && value.length && value.every((v) => typeof v === "string")) out[key] = value as string[];
  }
  return out;
}

export async function apiErrorFrom(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = (body as Partial<ApiErrorBody> | null)?.error as Partial<ApiErrorBody["error"]> | undefined;
  if (error && typeof error === "object") {
    const raw = error.fields && typeof error.fields === "object" ? (error.fields as Record<string, unknown>) : {};
    return new ApiError(response.status, error.code ?? "error", error.message ?? response.statusText, normaliseFields(error.fields), raw);
  }
  const fallback =
    response.status === 429
      ? "Too many requests; please wait a moment."
      : response.status >= 500
        ? "The server is unavailable. Please try again shortly."
        : response.statusText || "Request failed";
  const code = response.status === 429 ? "throttled" : response.status >= 500 ? "unavailable" : "http_error";
  return new ApiError(response.status, code, fallback);
}

/**
 * Codes the client makes up itself (no error body, or no answer at all) and those of the Next.js
 * session routes (src/app/api/session, src/lib/server); Django's are in error-codes.json.
 */
export const CLIENT_ERROR_CODES = [
  "http_error",
  "unavailable",
  "network",
  "throttled",
  "cross_site",
  "refresh_unavailable",
  "session_expired",
  "upstream_error",
  "backend_unavailable",
] as const;

/** The message lookup of the `errors` namespace (next-intl's translator, or a test double). */
export type ErrorTranslator = { (key: `codes.${string}`): string; has(key: `codes.${string}`): boolean };

/** The error code a thrown value stands for, if any: an API error's code, "network" when fetch failed. */
function codeOf(error: unknown): string | null {
  if (error instanceof ApiError) return error.code;
  if (error instanceof TypeError && /fetch|network|load failed/i.test(error.message)) return "network";
  return null;
}

/** The user's-language message for an error: its code's translation, else the server's (English) text. */
export function localizeError(error: unknown, t: ErrorTranslator): string {
  const code = codeOf(error);
  if (code && t.has(`codes.${code}`)) return t(`codes.${code}`);
  if (error instanceof Error && error.message) return error.message;
  return t("codes.error");
}

/** The server's own text (English), for logs and places outside React. Components use useErrorMessage(). */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return "Something went wrong";
}
