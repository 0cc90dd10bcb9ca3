import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { RequireAuth } from "@/components/common/require-auth";
import { AlertsView } from "@/components/alerts/alerts-view";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("nav");
  return { title: t("alerts") };
}

export default function AlertsPage() {
  return (
    <RequireAuth>
      <AlertsView />
    </RequireAuth>
  );
}
