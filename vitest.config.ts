import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(__dirname) } },
  test: {
    globalSetup: ["test/support/global-setup.ts"],
    setupFiles: ["test/support/vitest-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration files share one database and app server; each test makes its own users.
    fileParallelism: false,
    include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts", "test/faults/**/*.test.ts"],
  },
});
