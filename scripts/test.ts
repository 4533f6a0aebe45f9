// `npm test`: the whole suite. Builds the app once, starts one real stack (PostgreSQL, SMTP sink,
// the production server) and runs Vitest (unit + integration) and Playwright (Chromium) against it.
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { PostgresSetupError } from "./lib/embedded-postgres";
import { ensureDebianPackages } from "./lib/system-packages";
import { startStack } from "../test/support/stack";
import { TEST_SYSTEM_PACKAGES } from "./lib/required-packages";
import { projectRoot as root } from "./lib/project-root";

const distDir = ".next-test";

// Asynchronous on purpose: the SMTP sink and the fake Stripe live in this process and must keep
// answering while the test runners work.
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: "inherit" });
    child.on("exit", (code) => resolve(code ?? 1));
    child.on("error", () => resolve(1));
  });
}

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

function vitestCounts(file: string): Counts {
  try {
    const report = JSON.parse(readFileSync(file, "utf8")) as {
      success: boolean;
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
    };
    // A file that fails to load fails no test but fails the run.
    const failed = report.numFailedTests || (report.success ? 0 : 1);
    return { passed: report.numPassedTests, failed, skipped: report.numPendingTests + report.numTodoTests };
  } catch {
    return { passed: 0, failed: 1, skipped: 0 };
  }
}

function playwrightCounts(file: string): Counts {
  try {
    const report = JSON.parse(readFileSync(file, "utf8")) as { stats: { expected: number; unexpected: number; flaky: number; skipped: number } };
    return { passed: report.stats.expected + report.stats.flaky, failed: report.stats.unexpected, skipped: report.stats.skipped };
  } catch {
    return { passed: 0, failed: 1, skipped: 0 };
  }
}

async function main() {
  // Lint and formatting first: seconds, where the rest of the suite takes minutes.
  if ((await run("npm", ["run", "--silent", "lint"], process.env)) !== 0)
    throw new Error("npm run lint failed: fix what Biome reports (npx biome check --write . applies its safe fixes).");

  const missing = ensureDebianPackages(TEST_SYSTEM_PACKAGES, "The test suite");
  if (missing.includes("chromium")) throw new Error("Chromium is required for the end-to-end tests.");

  // Set on this process too: the stack started below spawns the app server from it.
  Object.assign(process.env, { NEXT_TELEMETRY_DISABLED: "1", NEXT_DIST_DIR: distDir });
  const baseEnv = { ...process.env };
  const nextBin = path.join(root, "node_modules/next/dist/bin/next");
  if (process.env.TEST_APP_MODE !== "dev") {
    console.log("Building the app for the tests…");
    if ((await run(process.execPath, [nextBin, "build"], { ...baseEnv, NODE_ENV: "production" })) !== 0) throw new Error("next build failed");
  }

  const stack = await startStack({ app: true });
  // An interrupted run still stops the database and the app server it started.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void stack.stop().finally(() => process.exit(130)));
  }
  const env = { ...baseEnv, ...stack.env };
  const reports = path.join(root, "test-reports");
  rmSync(reports, { recursive: true, force: true });
  const vitestReport = path.join(reports, "vitest.json");
  const playwrightReport = path.join(reports, "playwright.json");
  const extraArgs = process.argv.slice(2);
  try {
    await run(
      process.execPath,
      [path.join(root, "node_modules/vitest/vitest.mjs"), "run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestReport}`, ...extraArgs],
      env,
    );
    await run(process.execPath, [path.join(root, "node_modules/@playwright/test/cli.js"), "test", "--reporter=list,json"], {
      ...env,
      PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightReport,
    });
  } finally {
    await stack.stop();
  }
  const unit = vitestCounts(vitestReport);
  const e2e = playwrightCounts(playwrightReport);
  const total = { passed: unit.passed + e2e.passed, failed: unit.failed + e2e.failed, skipped: unit.skipped + e2e.skipped };
  console.log(`\nVitest: ${unit.passed} passed, ${unit.failed} failed; Playwright: ${e2e.passed} passed, ${e2e.failed} failed`);
  console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  process.exit(total.failed > 0 || total.passed === 0 ? 1 : 0);
}

main().catch((error: unknown) => {
  // A setup problem the user can fix is one line that says how; anything else keeps its stack.
  console.error(error instanceof PostgresSetupError ? error.message : error instanceof Error ? error.stack : error);
  process.exit(1);
});
