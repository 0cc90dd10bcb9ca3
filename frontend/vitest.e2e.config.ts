import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// End-to-end tests: playwright-core drives Debian's chromium against the running stack
// (E2E_BASE_URL, default http://127.0.0.1:3000). Steps share one browser and run in order.
export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
  test: {
    include: ["tests/e2e/**/*.e2e.ts"],
    environment: "node",
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    sequence: { concurrent: false },
    bail: 1,
  },
});
