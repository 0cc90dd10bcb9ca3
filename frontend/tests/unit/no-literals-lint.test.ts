// @vitest-environment node
// The lint rule that keeps text out of components refuses literals and lets messages through.
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: process.cwd() });

async function problems(code: string, file = "src/components/example.tsx"): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe("no text literals in components", () => {
  it("refuses a sentence in JSX and in a text attribute", async () => {
    expect(await problems(`export function A() { return <p>Hello there</p>; }\n`)).toContain("react/jsx-no-literals");
    expect(await problems(`export function A() { return <input aria-label="Search symbols" />; }\n`)).toContain("no-restricted-syntax");
    expect(await problems(`export function A() { return <input placeholder={"Symbol"} />; }\n`)).toContain("no-restricted-syntax");
  }, 60_000);

  it("accepts messages, punctuation and class names", async () => {
    const code = `import { useTranslations } from "next-intl";\nexport function A() {\n  const t = useTranslations("nav");\n  return (\n    <p className="text-sm" aria-label={t("main")}>\n      {t("portfolio")} ·\n    </p>\n  );\n}\n`;
    expect(await problems(code)).toEqual([]);
  }, 30_000);

  it("holds the trade form to the rule too", async () => {
    expect(await problems(`export function A() { return <p>Hello there</p>; }\n`, "src/components/portfolio/transaction-dialog.tsx")).not.toEqual([]);
  }, 30_000);
});
