// Launch Debian's chromium through playwright-core (it never downloads a browser of its own).
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const BASE_URL = (process.env.E2E_BASE_URL ?? "http://127.0.0.1:3000").replace(/\/$/, "");
/** The client's language for the run (NEXT_LOCALE cookie); the journey's texts come from its message files. */
export const E2E_LOCALE = process.env.E2E_LOCALE === "vi" ? "vi" : "en";
/** Every screenshot of a run, named <name>-<locale>.png (ignored by git). */
export const SCREENSHOTS = path.resolve(import.meta.dirname, "../../screenshots");
/** When set (e.g. ../docs/screenshots), the main pages' viewport shots are written there too, for the README. */
export const DOC_SCREENSHOTS = process.env.E2E_SCREENSHOTS_DIR ? path.resolve(process.env.E2E_SCREENSHOTS_DIR) : null;

/** A console error or page error the journey did not expect. */
export type ConsoleError = { text: string; url: string; page: string };

export type Session = {
  context: BrowserContext;
  page: Page;
  profile: string;
  /** Console reports of Content-Security-Policy violations, on any page of the session. */
  cspViolations: string[];
  /** Console 'error' messages and uncaught page errors, minus the ones a step allowed (see `allowing`). */
  consoleErrors: ConsoleError[];
  /**
   * Runs `step` while console errors matching `expected` are allowed: a failed request the step provokes on
   * purpose (a refused trade, the 401 of the session check before signing in). Each pattern must match the
   * whole "<status> <path>" of the failed request, e.g. /^401 \/api\/session\/refresh\/$/.
   */
  allowing: <T>(expected: RegExp[], step: () => Promise<T>) => Promise<T>;
  /** A standing allowance until replaced, for a state rather than a step (signed out: the session check's 401). */
  allow: (expected: RegExp[]) => void;
  close: () => Promise<void>;
};

export async function launch(): Promise<Session> {
  const profile = await mkdtemp(path.join(tmpdir(), "vnp-e2e-"));
  await mkdir(SCREENSHOTS, { recursive: true });
  if (DOC_SCREENSHOTS) await mkdir(DOC_SCREENSHOTS, { recursive: true });
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
  const cspViolations: string[] = [];
  const consoleErrors: ConsoleError[] = [];
  let allowed: RegExp[] = [];
  let standing: RegExp[] = [];
  // Chromium reports a failed request as "Failed to load resource: the server responded with a status
  // of 401 (...)" with the request's URL as the location: the allowance is about that status and path only.
  const failedRequest = (text: string, url: string): string | null => {
    const status = /status of (\d{3})/.exec(text)?.[1];
    if (!status || !url) return null;
    return `${status} ${new URL(url, BASE_URL).pathname}`;
  };
  context.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${message.page()?.url() ?? ""}: ${message.text()}`);
    if (message.type() !== "error") return;
    const url = message.location().url;
    const request = failedRequest(message.text(), url);
    if (request && [...allowed, ...standing].some((pattern) => pattern.test(request))) return;
    consoleErrors.push({ text: message.text(), url, page: message.page()?.url() ?? "" });
  });
  context.on("weberror", (error) => consoleErrors.push({ text: String(error.error()), url: "", page: error.page()?.url() ?? "" }));
  return {
    context,
    page,
    profile,
    cspViolations,
    consoleErrors,
    allowing: async (expected, step) => {
      allowed = expected;
      try {
        return await step();
      } finally {
        allowed = [];
      }
    },
    allow: (expected) => {
      standing = expected;
    },
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A screenshot `<name>-<locale>.png` in frontend/screenshots/. With `doc`, a main page for the README:
 * a viewport shot (never a full page) also written to E2E_SCREENSHOTS_DIR when that is set, as `<doc>-<locale>.png`.
 */
export async function shot(page: Page, name: string, options: { fullPage?: boolean; doc?: string } = {}): Promise<void> {
  const fullPage = options.doc ? false : (options.fullPage ?? true);
  // The README's shots show the page, not the toast a previous step left.
  const style = options.doc ? "[data-sonner-toaster] { display: none !important; }" : undefined;
  const image = await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${E2E_LOCALE}.png`), fullPage, animations: "disabled", style });
  if (options.doc && DOC_SCREENSHOTS) await writeFile(path.join(DOC_SCREENSHOTS, `${options.doc}-${E2E_LOCALE}.png`), image);
}
