import { ActivityIcon, BellRingIcon, PieChartIcon, ShieldCheckIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { Logo } from "@/components/layout/app-shell";

const FEATURES = [
  { icon: ActivityIcon, key: "live" },
  { icon: PieChartIcon, key: "performance" },
  { icon: BellRingIcon, key: "alerts" },
  { icon: ShieldCheckIcon, key: "private" },
] as const;

export function AuthAside() {
  const t = useTranslations("auth.aside");
  return (
    <aside className="relative hidden overflow-hidden bg-[oklch(0.2_0.04_265)] p-10 text-white lg:flex lg:flex-col">
      <div className="pointer-events-none absolute -top-40 -right-40 size-[520px] rounded-full bg-[oklch(0.55_0.2_265)] opacity-30 blur-3xl" />
      <div className="pointer-events-none absolute -bottom-48 -left-24 size-[420px] rounded-full bg-[oklch(0.6_0.17_150)] opacity-20 blur-3xl" />
      <div className="relative [&_a]:text-white [&_span_span]:text-white/60">
        <Logo />
      </div>
      <div className="relative mt-auto max-w-md">
        <h2 className="text-3xl leading-tight font-semibold tracking-tight">{t("title")}</h2>
        <p className="mt-3 text-white/70">{t("text")}</p>
        <svg viewBox="0 0 400 120" className="mt-8 w-full" aria-hidden>
          <defs>
            <linearGradient id="auth-area" x1="0" x2="0" y1="0" y2="1">
              <stop offset="0%" stopColor="oklch(0.75 0.19 150)" stopOpacity="0.45" />
              <stop offset="100%" stopColor="oklch(0.75 0.19 150)" stopOpacity="0" />
            </linearGradient>
          </defs>
          <path d="M0 95 L30 88 L60 92 L90 70 L120 76 L150 60 L180 66 L210 45 L240 52 L270 38 L300 44 L330 25 L360 30 L400 12 L400 120 L0 120 Z" fill="url(#auth-area)" />
          <path d="M0 95 L30 88 L60 92 L90 70 L120 76 L150 60 L180 66 L210 45 L240 52 L270 38 L300 44 L330 25 L360 30 L400 12" fill="none" stroke="oklch(0.75 0.19 150)" strokeWidth="2.5" />
        </svg>
        <ul className="mt-8 grid grid-cols-2 gap-5">
          {FEATURES.map(({ icon: Icon, key }) => (
            <li key={key}>
              <Icon className="size-5 text-[oklch(0.8_0.12_265)]" />
              <p className="mt-2 text-sm font-medium">{t(`${key}.title`)}</p>
              <p className="mt-0.5 text-xs text-white/60">{t(`${key}.text`)}</p>
            </li>
          ))}
        </ul>
      </div>
    </aside>
  );
}
