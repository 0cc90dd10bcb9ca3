import { renderHook } from "@testing-library/react";
import { NextIntlClientProvider } from "next-intl";
import { beforeAll, describe, expect, test } from "vitest";
import { useAlertText } from "@/hooks/use-alert-text";
import { loadMessages, type Messages } from "@/i18n/messages";
import { describeCondition } from "@/lib/alerts";

const messages: Partial<Record<"vi" | "en", Messages>> = {};

beforeAll(async () => {
  messages.vi = await loadMessages("vi");
  messages.en = await loadMessages("en");
});

function alertText(locale: "vi" | "en") {
  const { result } = renderHook(() => useAlertText(), {
    wrapper: ({ children }) => (
      <NextIntlClientProvider locale={locale} messages={messages[locale]!} timeZone="Asia/Ho_Chi_Minh">
        {children}
      </NextIntlClientProvider>
    ),
  });
  return result.current;
}

describe("alert conditions in the page's language", () => {
  test("a price level", () => {
    expect(describeCondition("above", "95300", alertText("vi"))).toBe("Giá tăng đến hoặc vượt 95.300 ₫");
    expect(describeCondition("below", "95300", alertText("en"))).toBe("Price falls to or below 95,300 VND");
  });

  test("a day change in percent, and a toast title", () => {
    expect(describeCondition("change_pct_above", "3", alertText("vi"))).toBe("Biến động trong ngày ≥ 3,00%");
    expect(describeCondition("change_pct_below", "-2", alertText("en"))).toBe("Day change at or below -2.00%");
    expect(alertText("vi").triggered("FPT")).toBe("FPT: cảnh báo đã kích hoạt");
  });
});
