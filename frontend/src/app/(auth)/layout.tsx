import { AuthAside } from "@/components/auth/auth-aside";
import { LocaleSwitcher } from "@/components/layout/locale-switcher";

export default function AuthLayout({ children }: { children: React.ReactNode }) {
  return (
    <div className="grid min-h-dvh lg:grid-cols-[1.1fr_1fr]">
      <AuthAside />
      <div className="relative flex items-center justify-center px-4 py-10 sm:px-8">
        <div className="absolute top-3 right-3">
          <LocaleSwitcher />
        </div>
        {children}
      </div>
    </div>
  );
}
