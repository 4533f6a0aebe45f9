// The gateway's added latency: the same chat requests sent straight to a loopback OpenAI-compatible
// upstream and through EcoLink's /v1 (auth, rate limit, reserve, forward, settle), at 1 and 50
// concurrent clients, plain and streamed. "Added" is the gateway's percentile minus the direct
// one; req/s is the gateway's throughput. Targets: p50 < 2 ms, p99 < 10 ms added.
import { recordCreditMovement } from "../../lib/credits/ledger";
import { db } from "../../lib/db";
import { createApiKey } from "../../lib/keys/api-keys";
import { createUser } from "../../test/support/factories";
import { startUpstreamServer } from "../../test/support/upstream-server";
import { expectSettledBooks, registerUpstreamModel } from "../../test/support/v1-fixtures";

interface Scenario {
  name: string;
  stream: boolean;
  concurrency: number;
  requests: number;
}

const SCENARIOS: Scenario[] = [
  { name: "plain", stream: false, concurrency: 1, requests: 400 },
  { name: "plain", stream: false, concurrency: 50, requests: 2_000 },
  { name: "streamed", stream: true, concurrency: 1, requests: 400 },
  { name: "streamed", stream: true, concurrency: 50, requests: 2_000 },
];
const WARMUP_REQUESTS = 200;

interface Run {
  latencies: number[];
  seconds: number;
  failures: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function load(send: () => Promise<void>, concurrency: number, requests: number): Promise<Run> {
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        next += 1;
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

export async function runGatewayBench(appUrl: string): Promise<void> {
  const upstream = await startUpstreamServer();
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
      await load(gateway, scenario.concurrency, WARMUP_REQUESTS);
      await load(direct, scenario.concurrency, WARMUP_REQUESTS);
      const directRun = await load(direct, scenario.concurrency, scenario.requests);
      const gatewayRun = await load(gateway, scenario.concurrency, scenario.requests);
      const p = (run: Run, n: number) => percentile(run.latencies, n);
      rows.push([
        `${scenario.name} ×${scenario.concurrency}`,
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
    await upstream.close();
  }
}
