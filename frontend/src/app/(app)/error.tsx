"use client";
import { ErrorState } from "@/components/common/states";

export default function AppError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <ErrorState error={error} onRetry={reset} title="This page failed to load" className="mt-10" />;
}
