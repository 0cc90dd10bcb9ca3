import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { RequireAuth } from "@/components/common/require-auth";
import { OverviewView } from "@/components/overview/overview-view";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("overview");
  return { title: t("title") };
}

export default function AllPortfoliosPage() {
  return (
    <RequireAuth>
      <OverviewView />
    </RequireAuth>
  );
}
