import type { Metadata } from "next";
import { RequireAuth } from "@/components/common/require-auth";
import { TransactionsView } from "@/components/portfolio/transactions-view";

export const metadata: Metadata = { title: "Portfolio" };

export default function PortfolioPage() {
  return (
    <RequireAuth>
      <TransactionsView />
    </RequireAuth>
  );
}
