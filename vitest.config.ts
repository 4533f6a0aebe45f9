import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(__dirname),
      // The tests load lib/ outside Next.js: the marker loads as what it is on Next's server (see scripts/lib/allow-server-only.ts).
      "server-only": path.resolve(__dirname, "node_modules/server-only/empty.js"),
    },
  },
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
