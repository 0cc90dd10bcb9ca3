import type { Metadata } from "next";
import { RequireAuth } from "@/components/common/require-auth";
import { EntitlementsView } from "@/components/events/entitlements-view";

export const metadata: Metadata = { title: "Dividends" };

export default function DividendsPage() {
  return (
    <RequireAuth>
      <EntitlementsView />
    </RequireAuth>
  );
}
