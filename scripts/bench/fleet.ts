// What upstream pools cost (lib/inference/upstream-pool.ts): the same chat requests to a model with
// one endpoint and to one with eight (all pointing at one loopback upstream process, so that only
// the routing differs), and to a model whose preferred endpoint refuses connections, so that every
// request fails over to the second — the added latency of a failover. bench.ts raises
// UPSTREAM_CIRCUIT_FAILURES for the run so that the dead endpoint stays in the pool and every
// request pays for it (in service its circuit would open after a few failures and the cost vanish).
import { db } from "../../lib/db";
import { freePort } from "../lib/embedded-postgres";
import { expectSettledBooks, registerUpstreamModel } from "../../test/support/v1-fixtures";
import { benchUser, percentile, printTable, startLoadGenerator, startUpstreamProcess } from "./gateway";
import type { LoadResult } from "./load-process";

const REQUESTS = 400;
const WARMUP_REQUESTS = 500;

/** Points a registered model at a pool: `endpoints` base URLs, each with a name of its own. */
async function configurePool(modelId: string, upstreamModel: string, endpoints: { baseUrl: string; weight?: number }[]): Promise<void> {
  await db.model.update({
    where: { id: modelId },
    data: { providerConfig: { baseUrl: null, upstreamModel, endpoints: endpoints.map((e, i) => ({ name: `gpu-${i + 1}`, ...e })) } },
  });
}

export async function runFleetBench(appUrl: string): Promise<void> {
  const upstream = await startUpstreamProcess();
  const generator = startLoadGenerator();
  try {
    const user = await benchUser("bench-fleet");
    // A port nothing listens on: connections to it are refused at once.
    const refused = `http://127.0.0.1:${await freePort()}/v1`;
    const pools = {
      "1 endpoint": [{ baseUrl: upstream.baseUrl }],
      "8 endpoints": Array.from({ length: 8 }, () => ({ baseUrl: upstream.baseUrl })),
      "failover (1st refuses)": [
        { baseUrl: refused, weight: 1_000 },
        { baseUrl: upstream.baseUrl, weight: 1 },
      ],
    };
    const scenarios = [
      { concurrency: 1, pools: Object.keys(pools) },
      { concurrency: 50, pools: ["1 endpoint", "8 endpoints"] },
    ];
    const models = new Map<string, string>();
    for (const [name, endpoints] of Object.entries(pools)) {
      const model = await registerUpstreamModel(upstream, "CHAT");
      await configurePool(model.id, model.upstreamModel, endpoints);
      models.set(name, model.id);
    }

    const rows: string[][] = [];
    for (const scenario of scenarios) {
      let baseline: LoadResult | null = null;
      for (const pool of scenario.pools) {
        const job = {
          url: `${appUrl}/v1/chat/completions`,
          headers: { "content-type": "application/json", authorization: `Bearer ${user.secret}` },
          body: JSON.stringify({ model: models.get(pool), messages: [{ role: "user", content: "Say hello in six tokens." }], max_tokens: 6 }),
          concurrency: scenario.concurrency,
        };
        await generator.run({ ...job, requests: WARMUP_REQUESTS });
        const run = await generator.run({ ...job, requests: REQUESTS * (scenario.concurrency > 1 ? 5 : 1) });
        baseline ??= run;
        const p = (result: LoadResult, n: number) => percentile(result.latencies, n);
        rows.push([
          `${pool} ×${scenario.concurrency}`,
          p(run, 50).toFixed(2),
          p(run, 99).toFixed(2),
          (p(run, 50) - p(baseline, 50)).toFixed(2),
          (p(run, 99) - p(baseline, 99)).toFixed(2),
          (run.latencies.length / run.seconds).toFixed(0),
          String(run.failures),
        ]);
      }
    }
    printTable(
      "Upstream pools (milliseconds through the gateway; chat completions of 6 tokens; 'vs 1' is against the one-endpoint model at the same concurrency)",
      ["scenario", "p50", "p99", "vs 1 p50", "vs 1 p99", "req/s", "errors"],
      rows,
    );
    await expectSettledBooks(user.userId);
    const retried = await db.requestLog.count({ where: { userId: user.userId, modelId: models.get("failover (1st refuses)"), upstreamAttempts: 2 } });
    console.log(`${retried} requests failed over to a second endpoint; each was charged once.`);
  } finally {
    generator.stop();
    upstream.stop();
  }
}
