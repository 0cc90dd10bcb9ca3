"use client";
import { useTranslations } from "next-intl";
import { useEffect, useMemo } from "react";
import { setAlertText, type AlertText } from "@/lib/alerts";
import { useFormat } from "@/hooks/use-format";

/** Alert words and formats in the page's language. */
export function useAlertText(): AlertText {
  const t = useTranslations("alerts");
  const format = useFormat();
  return useMemo(
    () => ({
      condition: (condition) => t(`conditions.${condition}`),
      triggered: (symbol) => t("toast.triggered", { symbol }),
      lastPrice: (price) => t("toast.lastPrice", { price }),
      format,
    }),
    [t, format],
  );
}

/** Keeps the words of alert toasts (fired from websocket callbacks) in the page's language. */
export function AlertTextSync(): null {
  const text = useAlertText();
  useEffect(() => setAlertText(text), [text]);
  return null;
}
