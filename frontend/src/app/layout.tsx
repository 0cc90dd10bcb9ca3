import type { Metadata, Viewport } from "next";
import { headers } from "next/headers";
import "./globals.css";
import { Providers } from "./providers";

export const metadata: Metadata = {
  title: { default: "VN Portfolio", template: "%s · VN Portfolio" },
  description: "Track your Vietnamese stock portfolio live: HOSE, HNX and UPCOM.",
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#f8f9fb" },
    { media: "(prefers-color-scheme: dark)", color: "#14161d" },
  ],
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Reading the request renders every page per request: Next.js puts the request's CSP nonce
  // (src/proxy.ts) on its own scripts, which a page built ahead of time could not carry; the theme
  // script (next-themes) gets it here.
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  return (
    <html lang="vi" suppressHydrationWarning>
      <body className="min-h-dvh font-sans">
        <Providers nonce={nonce}>{children}</Providers>
      </body>
    </html>
  );
}
