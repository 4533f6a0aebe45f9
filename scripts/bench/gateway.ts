// The gateway's added latency: the same chat requests sent straight to a loopback OpenAI-compatible
// upstream (a process of its own, as an inference server is) and through EcoLink's /v1 (auth,
// rate limit, reserve, forward, settle), at 1 and 50
// concurrent clients, plain and streamed. "Added" is the gateway's percentile minus the direct
// one; req/s is the gateway's throughput. Targets: p50 < 2 ms, p99 < 10 ms added.
//
// Fifty clients are run two ways. Flat out, each sends its next request the moment it has an
// answer: that measures throughput, and its latency is queueing (Little's law: 50 in flight ÷
// requests per second), since the clients, the upstream, PostgreSQL and the app share 2 cores.
// Paced, the fifty share a steady rate well under that throughput (PACED_RATE), which measures
// what the gateway adds to each request under load, the way LiteLLM's published figure does.
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";
import { recordCreditMovement } from "../../lib/credits/ledger";
import { db } from "../../lib/db";
import { createApiKey } from "../../lib/keys/api-keys";
import { createUser } from "../../test/support/factories";
import { expectSettledBooks, registerUpstreamModel } from "../../test/support/v1-fixtures";

/** Requests per second shared by the paced clients: about a third of what the gateway sustains here. */
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

interface Run {
  latencies: number[];
  seconds: number;
  failures: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function sleepUntil(time: number): Promise<void> {
  const wait = time - performance.now();
  return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
}

/**
 * `requests` calls of `send` by `concurrency` clients. Paced clients send on a fixed schedule,
 * client i at i/rate seconds and then every concurrency/rate seconds (later if still waiting).
 */
async function load(send: () => Promise<void>, concurrency: number, requests: number, rate?: number): Promise<Run> {
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, client) => {
      for (let round = 0; next < requests; round += 1) {
        next += 1;
        if (rate) await sleepUntil(started + ((client + round * concurrency) / rate) * 1000);
        const t0 = performance.now();
        try {
          await send();
          latencies.push(performance.now() - t0);
        } catch {
          failures += 1;
        }
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), seconds: (performance.now() - started) / 1000, failures };
}

function requester(url: string, headers: Record<string, string>, body: object): () => Promise<void> {
  const payload = JSON.stringify(body);
  return async () => {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: payload });
    const text = await response.text();
    if (!response.ok) throw new Error(`${response.status} ${text}`);
  };
}

async function startUpstreamProcess(): Promise<{ baseUrl: string; stop(): void }> {
  const root = path.resolve(__dirname, "../..");
  const child = spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), path.join(__dirname, "upstream-process.ts")], { stdio: ["ignore", "pipe", "inherit"] });
  const [baseUrl] = (await once(createInterface({ input: child.stdout! }), "line")) as [string];
  return { baseUrl, stop: () => child.kill() };
}

export async function runGatewayBench(appUrl: string): Promise<void> {
  const upstream = await startUpstreamProcess();
  try {
    const model = await registerUpstreamModel(upstream, "CHAT");
    const user = await createUser("bench");
    await recordCreditMovement({ userId: user.id, kind: "ADJUSTMENT", amount: 1_000_000_000_000n, reference: `bench:${user.id}`, description: "Benchmark credit" });
    const key = await createApiKey(user.id, { name: "bench", expiresAt: null, spendLimit: null, rateLimitRpm: 100_000 });

    const rows: string[][] = [];
    for (const scenario of SCENARIOS) {
      const body = { messages: [{ role: "user", content: "Say hello in six tokens." }], max_tokens: 6, stream: scenario.stream };
      const direct = requester(`${upstream.baseUrl}/chat/completions`, {}, { ...body, model: model.upstreamModel });
      const gateway = requester(`${appUrl}/v1/chat/completions`, { authorization: `Bearer ${key.secret}` }, { ...body, model: model.id });
      await load(gateway, scenario.concurrency, WARMUP_REQUESTS, scenario.rate);
      await load(direct, scenario.concurrency, WARMUP_REQUESTS, scenario.rate);
      const directRun = await load(direct, scenario.concurrency, scenario.requests, scenario.rate);
      const gatewayRun = await load(gateway, scenario.concurrency, scenario.requests, scenario.rate);
      const p = (run: Run, n: number) => percentile(run.latencies, n);
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
    const header = ["scenario", "direct p50", "gateway p50", "added p50", "direct p99", "gateway p99", "added p99", "direct req/s", "gateway req/s", "errors"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
    console.log("\nGateway added latency (milliseconds; chat completions of 6 tokens, loopback upstream)");
    console.log(line(header));
    console.log(widths.map((w) => "-".repeat(w)).join("  "));
    for (const row of rows) console.log(line(row));
    await expectSettledBooks(user.id);
    const logged = await db.requestLog.count({ where: { userId: user.id, status: "SUCCEEDED" } });
    console.log(`${logged} gateway requests settled; targets: added p50 < 2 ms, added p99 < 10 ms.`);
  } finally {
    upstream.stop();
  }
}
