import { describe, expect, test } from "vitest";
import { groupThousands, parseWhole, wholeText } from "@/lib/trade/numbers";

describe("parseWhole", () => {
  test.each([
    ["108600", "108600"],
    ["108.600", "108600"],
    ["108,600", "108600"],
    ["108 600", "108600"],
    ["1.000", "1000"],
    ["1.234.567", "1234567"],
    ["  95.300 ₫", "95300"],
    ["95.300đ", "95300"],
    ["95300 VND", "95300"],
    ["0012", "12"],
    ["0", "0"],
  ])("test_%s_means_%s", (text, digits) => {
    expect(parseWhole(text)).toEqual({ ok: true, value: digits });
  });

  test.each(["108.6", "108.60", "1.0000", "10.00.000", "1,000.000", "-5", "12a", "1e5", ".500", "108."])("test_%s_is_refused_not_guessed", (text) => {
    expect(parseWhole(text)).toEqual({ ok: false, reason: "invalid" });
  });

  test("test_nothing_typed_is_empty", () => {
    expect(parseWhole("   ")).toEqual({ ok: false, reason: "empty" });
    expect(parseWhole(undefined)).toEqual({ ok: false, reason: "empty" });
  });
});

describe("grouping", () => {
  test("test_thousands_take_vietnamese_dots", () => {
    expect(groupThousands("108600")).toBe("108.600");
    expect(groupThousands("1234567")).toBe("1.234.567");
    expect(groupThousands("999")).toBe("999");
    expect(groupThousands("1000", ",")).toBe("1,000");
  });

  test("test_server_numbers_become_form_text", () => {
    expect(wholeText("108600.00")).toBe("108.600");
    expect(wholeText(1000)).toBe("1.000");
    expect(wholeText(null)).toBe("");
    expect(wholeText("")).toBe("");
  });

  test("test_what_the_form_shows_parses_back_to_the_same_number", () => {
    for (const n of [1, 99, 100, 9_990, 10_050, 108_600, 1_234_567_890]) {
      expect(parseWhole(groupThousands(String(n)))).toEqual({ ok: true, value: String(n) });
    }
  });
});
