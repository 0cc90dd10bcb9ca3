import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { RequireAuth } from "@/components/common/require-auth";
import { ClosedView } from "@/components/portfolio/closed-view";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("closed");
  return { title: t("title") };
}

export default function ClosedPositionsPage() {
  return (
    <RequireAuth>
      <ClosedView />
    </RequireAuth>
  );
}
