import { describe, expect, test } from "vitest";
import { formatCompact, formatDate, formatDateTime, formatPercent, formatPrice, formatVnd, priceTone, todayInVietnam } from "@/lib/format";

describe("Vietnamese formats", () => {
  test("test_money_uses_dots_for_thousands_and_the_dong_sign", () => {
    expect(formatVnd("1234500")).toBe("1.234.500 ₫");
    expect(formatVnd(-500)).toBe("-500 ₫");
    expect(formatVnd(2500, { signed: true })).toBe("+2.500 ₫");
    expect(formatVnd(null)).toBe("—");
  });

  test("test_prices_and_percentages", () => {
    expect(formatPrice("95300")).toBe("95.300");
    expect(formatPercent("1.25")).toBe("+1,25%");
    expect(formatPercent("-0.5")).toBe("-0,50%");
    expect(formatCompact(1_250_000_000)).toBe("1,25 tỷ");
    expect(formatCompact(12_300_000)).toBe("12,3 tr");
  });

  test("test_dates_are_shown_in_vietnam_time", () => {
    // 20:30 UTC is 03:30 the next morning in Ho Chi Minh City.
    expect(formatDateTime("2026-02-16T20:30:00Z")).toBe("17/02/2026 03:30:00");
    expect(formatDate("2026-02-16")).toBe("16/02/2026");
    expect(todayInVietnam(new Date("2026-02-16T18:00:00Z"))).toBe("2026-02-17");
  });

  test("test_board_colours_follow_ceiling_floor_and_reference", () => {
    expect(priceTone("107000", "100000", "107000", "93000")).toBe("ceiling");
    expect(priceTone("93000", "100000", "107000", "93000")).toBe("floor");
    expect(priceTone("100000", "100000", "107000", "93000")).toBe("ref");
    expect(priceTone("100100", "100000", "107000", "93000")).toBe("up");
    expect(priceTone("99900", "100000", "107000", "93000")).toBe("down");
  });
});
