"use client";
import { useTranslations } from "next-intl";
import { useCallback } from "react";
import { localizeError, type ErrorTranslator } from "@/lib/api/errors";

/** (error) => its message in the page's language (see localizeError). */
export function useErrorMessage(): (error: unknown) => string {
  const t = useTranslations("errors");
  return useCallback((error: unknown) => localizeError(error, t as unknown as ErrorTranslator), [t]);
}
