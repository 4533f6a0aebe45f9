// The gateway's added latency: the same chat requests sent straight to a loopback OpenAI-compatible
// upstream (a process of its own, as an inference server is) and through EcoLink's /v1 (auth,
// rate limit, reserve, forward, settle), at 1 and 50 concurrent clients, plain and streamed, by a
// load generator in a third process (load-process.ts). "Added" is the gateway's percentile minus
// the direct one; req/s is the gateway's throughput. Targets: p50 < 2 ms, p99 < 10 ms added.
//
// Fifty clients are run two ways. Flat out, each sends its next request the moment it has an
// answer: that measures throughput, and its latency is queueing (Little's law: 50 in flight ÷
// requests per second), since the clients, the upstream, PostgreSQL and the app share 2 cores.
// Paced, the fifty share a steady rate well under that throughput (PACED_RATE), which measures
// what the gateway adds to each request under load, the way LiteLLM's published figure does.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";
import { recordCreditMovement } from "../../lib/credits/ledger";
import { db } from "../../lib/db";
import { createApiKey } from "../../lib/keys/api-keys";
import { createUser } from "../../test/support/factories";
import { expectSettledBooks, registerUpstreamModel } from "../../test/support/v1-fixtures";
import type { LoadJob, LoadResult } from "./load-process";

/** Requests per second shared by the paced clients: under a quarter of what the gateway sustains here (~900). */
const PACED_RATE = 200;

interface Scenario {
  name: string;
  stream: boolean;
  concurrency: number;
  requests: number;
  /** Requests per second for all clients together; flat out when absent. */
  rate?: number;
}

const SCENARIOS: Scenario[] = [
  { name: "plain", stream: false, concurrency: 1, requests: 400 },
  { name: "plain", stream: false, concurrency: 50, requests: 2_000 },
  { name: "plain", stream: false, concurrency: 50, requests: 2_000, rate: PACED_RATE },
  { name: "streamed", stream: true, concurrency: 1, requests: 400 },
  { name: "streamed", stream: true, concurrency: 50, requests: 2_000 },
  { name: "streamed", stream: true, concurrency: 50, requests: 2_000, rate: PACED_RATE },
];
// Enough for the app's code to be compiled and optimised before anything is measured; sent at the
// scenario's own pace, so that a paced run does not start in the wake of a burst.
const WARMUP_REQUESTS = 1_000;

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** A script of this folder in a child process of its own, under tsx, talking over stdin and stdout. */
function spawnScript(file: string): ChildProcess {
  const root = path.resolve(__dirname, "../..");
  return spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), path.join(__dirname, file)], { stdio: ["pipe", "pipe", "inherit"] });
}

export async function startUpstreamProcess(): Promise<{ baseUrl: string; stop(): void }> {
  const child = spawnScript("upstream-process.ts");
  const [baseUrl] = (await once(createInterface({ input: child.stdout! }), "line")) as [string];
  return { baseUrl, stop: () => child.kill() };
}

export function startLoadGenerator(): { run(job: LoadJob): Promise<LoadResult>; stop(): void } {
  const child = spawnScript("load-process.ts");
  const answers = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    async run(job) {
      child.stdin!.write(`${JSON.stringify(job)}\n`);
      const answer = await answers.next();
      if (answer.done) throw new Error("The load generator exited");
      return JSON.parse(answer.value) as LoadResult;
    },
    stop: () => child.kill(),
  };
}

/** A table with its title, the first column left-aligned and the others right-aligned. */
export function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
}

export async function runGatewayBench(appUrl: string): Promise<void> {
  const upstream = await startUpstreamProcess();
  const generator = startLoadGenerator();
  try {
    const model = await registerUpstreamModel(upstream, "CHAT");
    const user = await createUser("bench");
    await recordCreditMovement({ userId: user.id, kind: "ADJUSTMENT", amount: 1_000_000_000_000n, reference: `bench:${user.id}`, description: "Benchmark credit" });
    const key = await createApiKey(user.id, { name: "bench", expiresAt: null, spendLimit: null, rateLimitRpm: 100_000 });

    const rows: string[][] = [];
    for (const scenario of SCENARIOS) {
      const body = { messages: [{ role: "user", content: "Say hello in six tokens." }], max_tokens: 6, stream: scenario.stream };
      const load = { concurrency: scenario.concurrency, rate: scenario.rate };
      const json = { "content-type": "application/json" };
      const direct = { ...load, url: `${upstream.baseUrl}/chat/completions`, headers: json, body: JSON.stringify({ ...body, model: model.upstreamModel }) };
      const gateway = { ...load, url: `${appUrl}/v1/chat/completions`, headers: { ...json, authorization: `Bearer ${key.secret}` }, body: JSON.stringify({ ...body, model: model.id }) };
      await generator.run({ ...gateway, requests: WARMUP_REQUESTS });
      await generator.run({ ...direct, requests: WARMUP_REQUESTS });
      const directRun = await generator.run({ ...direct, requests: scenario.requests });
      const gatewayRun = await generator.run({ ...gateway, requests: scenario.requests });
      const p = (run: LoadResult, n: number) => percentile(run.latencies, n);
      rows.push([
        `${scenario.name} ×${scenario.concurrency} ${scenario.rate ? `at ${scenario.rate} req/s` : scenario.concurrency > 1 ? "flat out" : ""}`.trim(),
        p(directRun, 50).toFixed(2),
        p(gatewayRun, 50).toFixed(2),
        (p(gatewayRun, 50) - p(directRun, 50)).toFixed(2),
        p(directRun, 99).toFixed(2),
        p(gatewayRun, 99).toFixed(2),
        (p(gatewayRun, 99) - p(directRun, 99)).toFixed(2),
        (directRun.latencies.length / directRun.seconds).toFixed(0),
        (gatewayRun.latencies.length / gatewayRun.seconds).toFixed(0),
        String(gatewayRun.failures + directRun.failures),
      ]);
    }
    printTable(
      "Gateway added latency (milliseconds; chat completions of 6 tokens, loopback upstream)",
      ["scenario", "direct p50", "gateway p50", "added p50", "direct p99", "gateway p99", "added p99", "direct req/s", "gateway req/s", "errors"],
      rows,
    );
    await expectSettledBooks(user.id);
    const logged = await db.requestLog.count({ where: { userId: user.id, status: "SUCCEEDED" } });
    console.log(`${logged} gateway requests settled; targets: added p50 < 2 ms, added p99 < 10 ms.`);
  } finally {
    generator.stop();
    upstream.stop();
  }
}
