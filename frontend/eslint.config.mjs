import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

// No user-visible string literals in components: text comes from messages/{vi,en}/*.json via next-intl.
// Punctuation and symbols that read the same in every language are allowed.
const ALLOWED_STRINGS = ["·", "—", "–", "/", "%", "+", "-", "×", ":", "(", ")", "…", "₫", "|", ","];
const TEXT_ATTRIBUTES = "^(aria-label|aria-description|title|placeholder|alt|label|description|emptyText)$";

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  {
    files: ["src/**/*.tsx"],
    rules: {
      "react/jsx-no-literals": ["error", { noStrings: true, ignoreProps: true, allowedStrings: ALLOWED_STRINGS }],
      "no-restricted-syntax": [
        "error",
        {
          selector: `JSXAttribute[name.name=/${TEXT_ATTRIBUTES}/] > Literal[value=/[A-Za-zÀ-ỹ]/]`,
          message: "User-visible text comes from the message files (useTranslations), not a literal.",
        },
        {
          selector: `JSXAttribute[name.name=/${TEXT_ATTRIBUTES}/] > JSXExpressionContainer > Literal[value=/[A-Za-zÀ-ỹ]/]`,
          message: "User-visible text comes from the message files (useTranslations), not a literal.",
        },
      ],
    },
  },
  globalIgnores([".next/**", "node_modules/**", "screenshots/**", "test-results/**", "next-env.d.ts", "src/lib/api/schema.d.ts"]),
]);
