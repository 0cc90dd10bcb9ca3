import { describe, expect, test } from "vitest";
import { apiErrorFrom } from "@/lib/api/errors";

const response = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("apiErrorFrom", () => {
  test("test_validation_errors_become_field_messages", async () => {
    const error = await apiErrorFrom(response(400, { error: { code: "invalid", message: "A valid number is required.", fields: { price: ["A valid number is required."] } } }));
    expect(error.status).toBe(400);
    expect(error.field("price")).toBe("A valid number is required.");
  });

  test("test_domain_error_context_is_kept_raw_and_not_shown_as_field_messages", async () => {
    const error = await apiErrorFrom(response(422, { error: { code: "oversell", message: "cannot sell 100 shares", fields: { symbol: "FPT", available: "0" } } }));
    expect(error.code).toBe("oversell");
    expect(error.fields).toEqual({});
    expect(error.raw).toEqual({ symbol: "FPT", available: "0" });
  });

  test("test_a_body_that_is_not_the_error_format_still_gives_a_message", async () => {
    const error = await apiErrorFrom(new Response("<html>bad gateway</html>", { status: 502 }));
    expect(error.status).toBe(502);
    expect(error.message).toMatch(/unavailable/);
  });
});
