import type { Metadata } from "next";
import { RequireAuth } from "@/components/common/require-auth";
import { AlertsView } from "@/components/alerts/alerts-view";

export const metadata: Metadata = { title: "Alerts" };

export default function AlertsPage() {
  return (
    <RequireAuth>
      <AlertsView />
    </RequireAuth>
  );
}
