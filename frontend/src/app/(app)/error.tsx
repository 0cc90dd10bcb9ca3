"use client";
import { useTranslations } from "next-intl";
import { ErrorState } from "@/components/common/states";

export default function AppError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const t = useTranslations("common");
  return <ErrorState error={error} onRetry={reset} title={t("pageFailed")} className="mt-10" />;
}
