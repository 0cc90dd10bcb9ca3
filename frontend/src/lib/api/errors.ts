import type { ApiErrorBody } from "./types";

/** A failed API call, carrying the server's {"error": {code, message, fields}} body. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string[]>;

  constructor(status: number, code: string, message: string, fields: Record<string, string[]> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields;
  }

  /** The first message for a field, for showing next to the input. */
  field(name: string): string | undefined {
    return this.fields[name]?.[0];
  }
}

function normaliseFields(raw: unknown): Record<string, string[]> {
  if (!raw || typeof raw !== "object") return {};
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (Array.isArray(value)) out[key] = value.map((v) => (typeof v === "string" ? v : JSON.stringify(v)));
    else if (typeof value === "string") out[key] = [value];
    else if (value && typeof value === "object") out[key] = [JSON.stringify(value)];
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
  const error = (body as Partial<ApiErrorBody> | null)?.error;
  if (error && typeof error === "object") {
    return new ApiError(response.status, error.code ?? "error", error.message ?? response.statusText, normaliseFields(error.fields));
  }
  const fallback =
    response.status === 429
      ? "Too many requests; please wait a moment."
      : response.status >= 500
        ? "The server is unavailable. Please try again shortly."
        : response.statusText || "Request failed";
  return new ApiError(response.status, response.status === 429 ? "throttled" : "http_error", fallback);
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return "Something went wrong";
}
