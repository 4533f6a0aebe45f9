// `npm run bench`: performance numbers, printed as tables (never asserted by the tests). Starts its
// own stack (throwaway PostgreSQL with fsync on, a fresh production build of the app in .next-bench, so that the
// numbers are always of the code as it is) and runs, in order: the gateway's added latency over a loopback upstream
// side by side with Portkey's gateway, a thousand streams held open at once, what upstream pools cost (routing among
// 8 endpoints against 1, a failover), the local tiny-chat model's speed, and local transcription's real-time factor.
// Each prints its targets and whether they are met.
import "./lib/allow-server-only";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { projectRoot as root } from "./lib/project-root";

const DIST_DIR = ".next-bench";

function build(): void {
  console.log(`Building the app into ${DIST_DIR}…`);
  const result = spawnSync(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], {
    cwd: root,
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", NEXT_DIST_DIR: DIST_DIR },
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error("next build failed");
}

async function main() {
  process.env.NEXT_DIST_DIR = DIST_DIR;
  delete process.env.TEST_APP_MODE;
  // A bench user sends 50 requests at once flat out, and holds a thousand streams open at once: far
  // past an account's default limits.
  process.env.ACCOUNT_MAX_CONCURRENT_REQUESTS ??= "2000";
  process.env.ACCOUNT_RATE_LIMIT_RPM ??= "1000000";
  // The failover benchmark's dead endpoint must stay in its pool, so that every request pays for it.
  process.env.UPSTREAM_CIRCUIT_FAILURES ??= "1000000000";
  // The open-streams benchmark reads the API process's memory and event-loop lag from /metrics.
  process.env.METRICS_TOKEN ??= randomBytes(16).toString("hex");
  const metricsToken = process.env.METRICS_TOKEN;
  build();
  const { startStack } = await import("../test/support/stack");
  // PostgreSQL flushes every commit, as in production: the WAL flush is part of what a request costs.
  const stack = await startStack({ app: true, fsync: true });
  console.log("PostgreSQL runs with fsync=on and the default synchronous_commit.");
  // The benchmarks set up users and models through lib/, against the stack's database.
  Object.assign(process.env, stack.env);
  try {
    const { runGatewayBench } = await import("./bench/gateway");
    await runGatewayBench(stack.env.APP_URL);
    const { runOpenStreamsBench } = await import("./bench/open-streams");
    await runOpenStreamsBench(stack.env.APP_URL, metricsToken, stack.appPid);
    const { runFleetBench } = await import("./bench/fleet");
    await runFleetBench(stack.env.APP_URL);
    const { runTinyChatBench } = await import("./bench/tiny-chat");
    await runTinyChatBench();
    const { runTranscriptionBench } = await import("./bench/transcription");
    await runTranscriptionBench();
  } finally {
    await stack.stop();
  }
  // A benchmark whose books did not settle set the exit code.
  process.exit(process.exitCode ?? 0);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
