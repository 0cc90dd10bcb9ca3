import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { RequireAuth } from "@/components/common/require-auth";
import { TransactionsView } from "@/components/portfolio/transactions-view";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("nav");
  return { title: t("portfolio") };
}

export default function PortfolioPage() {
  return (
    <RequireAuth>
      <TransactionsView />
    </RequireAuth>
  );
}
