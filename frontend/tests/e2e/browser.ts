// Launch Debian's chromium through playwright-core (it never downloads a browser of its own).
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const BASE_URL = (process.env.E2E_BASE_URL ?? "http://127.0.0.1:3000").replace(/\/$/, "");
/** The client's language for the run (NEXT_LOCALE cookie): the selectors below are the English texts. */
export const E2E_LOCALE = process.env.E2E_LOCALE === "vi" ? "vi" : "en";
export const SCREENSHOTS = path.resolve(import.meta.dirname, "../../screenshots");

export type Session = {
  context: BrowserContext;
  page: Page;
  profile: string;
  /** Console reports of Content-Security-Policy violations, on any page of the session. */
  cspViolations: string[];
  close: () => Promise<void>;
};

export async function launch(): Promise<Session> {
  const profile = await mkdtemp(path.join(tmpdir(), "vnp-e2e-"));
  await mkdir(SCREENSHOTS, { recursive: true });
  // A fresh profile directory per run (playwright passes it as --user-data-dir).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    baseURL: BASE_URL,
    viewport: { width: 1440, height: 960 },
    locale: "vi-VN",
    timezoneId: "Asia/Ho_Chi_Minh",
    colorScheme: "light",
  });
  // The browser prefers Vietnamese (Accept-Language vi-VN); the cookie the language switcher sets wins.
  await context.addCookies([{ name: "NEXT_LOCALE", value: E2E_LOCALE, url: BASE_URL }]);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  const cspViolations: string[] = [];
  context.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${message.page()?.url() ?? ""}: ${message.text()}`);
  });
  return {
    context,
    page,
    profile,
    cspViolations,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
      if (errors.length) console.warn(`page errors:\n${errors.join("\n")}`);
    },
  };
}

export async function shot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: options.fullPage ?? true, animations: "disabled" });
}
