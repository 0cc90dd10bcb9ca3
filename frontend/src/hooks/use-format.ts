"use client";
import { useLocale } from "next-intl";
import { createFormatters, type Formatters } from "@/lib/format";

/** Numbers, money and dates in the page's language (see src/lib/format.ts). */
export function useFormat(): Formatters {
  return createFormatters(useLocale());
}
