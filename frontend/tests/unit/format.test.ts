import { describe, expect, test } from "vitest";
import { createFormatters, priceTone, todayInVietnam } from "@/lib/format";

const vi = createFormatters("vi");
const en = createFormatters("en");

describe("Vietnamese formats", () => {
  test("test_money_uses_dots_for_thousands_and_the_dong_sign", () => {
    expect(vi.formatVnd("1234500")).toBe("1.234.500 ₫");
    expect(vi.formatVnd(-500)).toBe("-500 ₫");
    expect(vi.formatVnd(2500, { signed: true })).toBe("+2.500 ₫");
    expect(vi.formatVnd(null)).toBe("—");
  });

  test("test_prices_and_percentages", () => {
    expect(vi.formatPrice("95300")).toBe("95.300");
    expect(vi.formatPercent("1.25")).toBe("+1,25%");
    expect(vi.formatPercent("-0.5")).toBe("-0,50%");
    expect(vi.formatCompact(1_250_000_000)).toBe("1,25 tỷ");
    expect(vi.formatCompact(1_200_000_000)).toBe("1,2 tỷ");
    expect(vi.formatCompact(350_000_000)).toBe("350 tr");
    expect(vi.formatCompact(12_300_000)).toBe("12,3 tr");
    expect(vi.formatCompact(-950_000)).toBe("-950 N");
  });

  test("test_dates_are_shown_in_vietnam_time", () => {
    // 20:30 UTC is 03:30 the next morning in Ho Chi Minh City.
    expect(vi.formatDateTime("2026-02-16T20:30:00Z")).toBe("17/02/2026 03:30:00");
    expect(vi.formatDate("2026-02-16")).toBe("16/02/2026");
    expect(vi.formatShortDate("2026-02-16")).toBe("16/02");
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

describe("English formats", () => {
  test("money has commas for thousands and the VND code", () => {
    expect(en.formatVnd("1234567")).toBe("1,234,567 VND");
    expect(en.formatVnd(2500, { signed: true })).toBe("+2,500 VND");
    expect(en.formatVnd(undefined)).toBe("—");
  });

  test("prices, percentages and short amounts", () => {
    expect(en.formatPrice("95300")).toBe("95,300");
    expect(en.formatPercent("1.25")).toBe("+1.25%");
    expect(en.formatRatio("-0.005")).toBe("-0.50%");
    expect(en.formatCompact(1_200_000_000)).toBe("1.2B");
    expect(en.formatCompact(350_000_000)).toBe("350M");
    expect(en.formatCompact(950_000)).toBe("950K");
  });

  test("dates put the day first with the month's name, in Vietnam time, on a 24-hour clock", () => {
    expect(en.formatDate("2026-02-16")).toBe("16 Feb 2026");
    expect(en.formatDateTime("2026-02-16T20:30:00Z")).toBe("17 Feb 2026 03:30:00");
    expect(en.formatShortDate("2026-02-16")).toBe("16 Feb");
    expect(en.formatTime("2026-02-16T06:05:09Z")).toBe("13:05:09");
  });

  test("each language keeps its own formatters", () => {
    expect(createFormatters("vi")).toBe(vi);
    expect(vi.formatNumber(1234.5, { digits: 1 })).toBe("1.234,5");
    expect(en.formatNumber(1234.5, { digits: 1 })).toBe("1,234.5");
  });
});
