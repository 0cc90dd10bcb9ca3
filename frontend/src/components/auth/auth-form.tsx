"use client";
import { Loader2Icon } from "lucide-react";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useTranslations } from "next-intl";
import { useEffect, useState } from "react";
import { Field } from "@/components/common/field";
import { Logo } from "@/components/layout/app-shell";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { useErrorMessage } from "@/hooks/use-error-message";
import { ApiError } from "@/lib/api/errors";
import { login, register } from "@/lib/api/session";
import { useAuthStore } from "@/stores/auth";

function safeNext(value: string | null): string {
  return value && value.startsWith("/") && !value.startsWith("//") ? value : "/";
}

export function AuthForm({ mode }: { mode: "login" | "register" }) {
  const router = useRouter();
  const t = useTranslations("auth");
  const errorMessage = useErrorMessage();
  const params = useSearchParams();
  const next = safeNext(params.get("next"));
  const status = useAuthStore((s) => s.status);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [confirmError, setConfirmError] = useState<string | null>(null);

  useEffect(() => {
    if (status === "authenticated" && !pending) router.replace(next);
  }, [status, pending, next, router]);

  const fieldError = (name: string) => (error instanceof ApiError ? error.field(name) : undefined);
  const formError = error && !(error instanceof ApiError && Object.keys(error.fields).length) ? errorMessage(error) : null;

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const username = String(data.get("username") ?? "").trim();
    const password = String(data.get("password") ?? "");
    setError(null);
    setConfirmError(null);
    if (mode === "register" && password !== String(data.get("confirm") ?? "")) {
      setConfirmError(t("mismatch"));
      return;
    }
    setPending(true);
    try {
      if (mode === "login") await login(username, password);
      else await register(username, String(data.get("email") ?? "").trim(), password);
      router.replace(next);
    } catch (e) {
      setError(e as Error);
      setPending(false);
    }
  }

  const isLogin = mode === "login";
  return (
    <div className="w-full max-w-sm">
      <Logo className="mb-10 lg:hidden" />
      <h1 className="text-2xl font-semibold tracking-tight">{t(`${mode}.title`)}</h1>
      <p className="mt-1.5 text-sm text-muted-foreground">
        {t(`${mode}.subtitle`)}
      </p>
      <form className="mt-8 grid gap-4" onSubmit={onSubmit} noValidate={false} aria-label={t(`${mode}.submit`)}>
        <Field label={t("username")} htmlFor="username" error={fieldError("username")}>
          <Input
            id="username"
            name="username"
            autoComplete="username"
            required
            maxLength={150}
            pattern="[\w.@+\-]+"
            title={t("usernameRule")}
            aria-invalid={Boolean(fieldError("username"))}
            autoFocus
          />
        </Field>
        {!isLogin && (
          <Field label={t("email")} htmlFor="email" error={fieldError("email")}>
            <Input id="email" name="email" type="email" autoComplete="email" required aria-invalid={Boolean(fieldError("email"))} />
          </Field>
        )}
        <Field label={t("password")} htmlFor="password" error={fieldError("password")} hint={isLogin ? undefined : t("passwordHint")}>
          <Input
            id="password"
            name="password"
            type="password"
            autoComplete={isLogin ? "current-password" : "new-password"}
            required
            minLength={isLogin ? undefined : 8}
            aria-invalid={Boolean(fieldError("password"))}
          />
        </Field>
        {!isLogin && (
          <Field label={t("confirm")} htmlFor="confirm" error={confirmError}>
            <Input id="confirm" name="confirm" type="password" autoComplete="new-password" required minLength={8} aria-invalid={Boolean(confirmError)} />
          </Field>
        )}
        {formError && (
          <p role="alert" className="rounded-md border border-destructive/30 bg-destructive/10 px-3 py-2 text-sm text-destructive" data-testid="form-error">
            {formError}
          </p>
        )}
        <Button type="submit" size="lg" disabled={pending} className="mt-2">
          {pending && <Loader2Icon className="animate-spin" />}
          {t(`${mode}.submit`)}
        </Button>
      </form>
      <p className="mt-6 text-center text-sm text-muted-foreground">
        {t(`${mode}.prompt`)}{" "}
        <Link className="font-medium text-primary hover:underline" href={`${isLogin ? "/register" : "/login"}${next !== "/" ? `?next=${encodeURIComponent(next)}` : ""}`}>
          {t(`${mode}.switch`)}
        </Link>
      </p>
      <p className="mt-3 text-center text-xs text-muted-foreground">
        <Link href="/market" className="hover:underline">{t("browse")}</Link>
      </p>
    </div>
  );
}
