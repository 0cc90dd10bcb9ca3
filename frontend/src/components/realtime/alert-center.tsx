"use client";
import { useEffect, useRef } from "react";
import { useAlerts } from "@/lib/api/queries";
import { notifyAlertFired } from "@/lib/alerts";

/**
 * Toasts alerts that fire while the app is open. The websocket delivers them at once; this also
 * polls /api/alerts/ while any alert is armed, so a toast still appears without a portfolio stream.
 */
export function AlertCenter() {
  const since = useRef(0);
  useEffect(() => {
    since.current = Date.now() - 5_000;
  }, []);
  const alerts = useAlerts();
  const armed = (alerts.data ?? []).some((a) => a.is_active && !a.triggered_at);
  const { refetch } = alerts;
  useEffect(() => {
    if (!armed) return;
    const timer = setInterval(() => void refetch(), 20_000);
    return () => clearInterval(timer);
  }, [armed, refetch]);
  useEffect(() => {
    for (const alert of alerts.data ?? []) {
      if (alert.triggered_at && since.current && Date.parse(alert.triggered_at) >= since.current) {
        notifyAlertFired({ ...alert, price: alert.triggered_price });
      }
    }
  }, [alerts.data]);
  return null;
}
