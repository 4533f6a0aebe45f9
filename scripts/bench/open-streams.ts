// A thousand streams open at once through the gateway: an upstream (a process of its own, so that
// its event loop is not the gateway's) emits a token every TOKEN_DELAY_MS for TOKENS tokens, and
// the load generator opens STREAMS streamed chat requests at the same moment, each on its own
// connection, straight to the upstream (the baseline) and then through EcoLink, and reads each to
// its end. It reports errors, 5xx answers and streams that did not end with [DONE], the
// time-to-first-token the gateway adds, the gateway API process's memory per open stream (its
// resident set, read by the load generator from /proc before the streams open and every second
// while they run, at the read with the most streams open) and its event-loop lag
// over the run (prom-client's, from the app's /metrics with the METRICS_TOKEN that bench.ts gives
// the stack), the API process's CPU time per relayed token, how long the gateway took to take the
// thousand requests in (from their holds' times), and checks that every stream was billed.
import { db } from "../../lib/db";
import { registerUpstreamModel } from "../../test/support/v1-fixtures";
import { benchUser, checkBilling, percentile, startLoadGenerator, startUpstreamProcess, verdict } from "./gateway";
import type { ResidentSample, StreamsResult } from "./load-process";
import { processCpuSeconds } from "./proc-cpu";

const STREAMS = 1_000;
const TOKENS = 600;
const TOKEN_DELAY_MS = 50;
/**
 * prom-client's event-loop lag comes from monitorEventLoopDelay sampling every
 * eventLoopMonitoringPrecision ms (lib/metrics.ts), whose histogram holds the whole interval
 * between samples: the lag is what exceeds it.
 */
const EVENT_LOOP_SAMPLING_MS = 20;

// Targets of issue 14.
const ADDED_TTFT_P50_TARGET_MS = 2;
const BYTES_PER_STREAM_TARGET = 64 * 1024;
const LAG_P99_TARGET_MS = 20;

/**
 * The API process's event-loop lag p99 in milliseconds since the previous read of /metrics (each
 * read starts a new window: prom-client resets its histogram when it reports it).
 */
async function eventLoopLagP99Ms(appUrl: string, token: string): Promise<number> {
  const response = await fetch(`${appUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}: ${await response.text()}`);
  const match = /^nodejs_eventloop_lag_p99_seconds(?:\{[^}]*\})? (\S+)$/m.exec(await response.text());
  if (!match) throw new Error("/metrics has no nodejs_eventloop_lag_p99_seconds");
  return Math.max(0, Number(match[1]) * 1000 - EVENT_LOOP_SAMPLING_MS);
}

const ms = (value: number) => (Number.isNaN(value) ? "-" : value.toFixed(2));
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function summary(label: string, run: StreamsResult): string {
  const fiveHundreds = Object.entries(run.statuses).reduce((sum, [status, count]) => sum + (Number(status) >= 500 ? count : 0), 0);
  const statuses =
    Object.entries(run.statuses)
      .map(([status, count]) => `${count}×${status}`)
      .join(", ") || "none";
  return (
    `${label.padEnd(8)}  TTFT p50 / p99 ${ms(percentile(run.ttfts, 50))} / ${ms(percentile(run.ttfts, 99))} ms, ` +
    `${run.done} of ${STREAMS} ended with [DONE], ${run.failures} failed (answers other than 200: ${statuses}; 5xx: ${fiveHundreds}), ${run.seconds.toFixed(1)} s` +
    (run.firstError ? `; first failure: ${run.firstError}` : "")
  );
}

export async function runOpenStreamsBench(appUrl: string, metricsToken: string, appPid: number | null): Promise<void> {
  const upstream = await startUpstreamProcess();
  const generator = startLoadGenerator();
  try {
    const model = await registerUpstreamModel(upstream, "CHAT");
    await upstream.behave(model.upstreamModel, { tokenDelayMs: TOKEN_DELAY_MS });
    const { userId, secret } = await benchUser("bench-streams");
    const body = { messages: [{ role: "user", content: "Tell me a long story." }], max_tokens: TOKENS, stream: true };
    const json = { "content-type": "application/json" };
    const direct = { url: `${upstream.baseUrl}/chat/completions`, headers: json, body: JSON.stringify({ ...body, model: model.upstreamModel }) };
    const ecolink = {
      url: `${appUrl}/v1/chat/completions`,
      headers: { ...json, authorization: `Bearer ${secret}` },
      body: JSON.stringify({ ...body, model: model.id }),
    };
    // A few short streams of this model first, so that the first of the thousand pays for nothing new.
    const warmup = await generator.streams({ ...ecolink, body: JSON.stringify({ ...body, model: model.id, max_tokens: 2 }), streams: 50 });

    const directRun = await generator.streams({ ...direct, streams: STREAMS });
    await eventLoopLagP99Ms(appUrl, metricsToken);
    const cpuBefore = appPid === null ? null : await processCpuSeconds(appPid);
    const runStarted = new Date();
    const gatewayRun = await generator.streams({ ...ecolink, streams: STREAMS, watchPid: appPid ?? undefined });
    const cpuSeconds = cpuBefore === null ? null : (await processCpuSeconds(appPid!)) - cpuBefore;
    const lag = await eventLoopLagP99Ms(appUrl, metricsToken);
    // When each stream's hold was taken, from the first: how long the gateway took to take the
    // thousand requests in (their connections wait to be accepted while its event loop is busy).
    const holds = await db.requestLog.findMany({
      where: { userId, createdAt: { gte: runStarted } },
      select: { createdAt: true },
      orderBy: { createdAt: "asc" },
    });
    const intakeMs = holds.map((row) => row.createdAt.getTime() - holds[0]!.createdAt.getTime());

    console.log(
      `\n${STREAMS} streams opened at once, each on its own connection (an upstream of its own emitting a token every ${TOKEN_DELAY_MS} ms, ${TOKENS} tokens; time to first token = to the first content delta)`,
    );
    console.log(summary("direct", directRun));
    console.log(summary("EcoLink", gatewayRun));
    const addedP50 = percentile(gatewayRun.ttfts, 50) - percentile(directRun.ttfts, 50);
    const addedP99 = percentile(gatewayRun.ttfts, 99) - percentile(directRun.ttfts, 99);
    const fiveHundreds = Object.entries(gatewayRun.statuses).reduce((sum, [status, count]) => sum + (Number(status) >= 500 ? count : 0), 0);
    console.log(`EcoLink added TTFT p50 / p99: ${ms(addedP50)} / ${ms(addedP99)} ms`);
    // Memory at the read with the most streams open (the largest resident set among those reads).
    const mostOpen = gatewayRun.rssSamples.reduce<ResidentSample | null>(
      (best, r) => (!best || r.open > best.open || (r.open === best.open && r.rss > best.rss) ? r : best),
      null,
    );
    const measured = mostOpen !== null && mostOpen.open > 0 && gatewayRun.idleRss !== undefined;
    const perStream = measured ? (mostOpen.rss - gatewayRun.idleRss!) / mostOpen.open : NaN;
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
    console.log(
      `Gateway API process memory (resident set): ${
        measured
          ? `idle ${mib(gatewayRun.idleRss!)}, ${mib(mostOpen.rss)} with ${mostOpen.open} streams open (of ${gatewayRun.rssSamples.length} reads, the one with the most open): ${kib(perStream)} per open stream`
          : `not measured (${appPid === null ? "no process id for the app" : "no read while streams were open"})`
      }`,
    );
    console.log(`Event-loop lag p99 of the gateway API process over the run (from /metrics): ${ms(lag)} ms`);
    console.log(
      `Gateway API process CPU over the run: ${
        cpuSeconds === null
          ? "not measured (no process id for the app)"
          : `${cpuSeconds.toFixed(1)} s, ${((cpuSeconds / (STREAMS * TOKENS)) * 1e6).toFixed(1)} µs per token relayed`
      }`,
    );
    console.log(
      `Requests taken in (hold placed), from the first: p50 ${ms(percentile(intakeMs, 50))} ms, p99 ${ms(percentile(intakeMs, 99))} ms, last ${ms(intakeMs.at(-1) ?? NaN)} ms` +
        " (Node's libuv accepts one connection per event-loop turn: a busy loop takes a burst in slowly)",
    );

    console.log("Targets:");
    console.log(
      `- no errors: ${verdict(gatewayRun.failures === 0 && gatewayRun.done === STREAMS)} (${gatewayRun.failures} failed, ${gatewayRun.done} of ${STREAMS} ended with [DONE])`,
    );
    console.log(`- no 5xx: ${verdict(fiveHundreds === 0)} (${fiveHundreds})`);
    console.log(`- added TTFT p50 ≤ ${ADDED_TTFT_P50_TARGET_MS} ms: ${verdict(addedP50 <= ADDED_TTFT_P50_TARGET_MS)} (${ms(addedP50)} ms)`);
    console.log(
      `- memory per open stream ≤ ${kib(BYTES_PER_STREAM_TARGET)}: ${measured ? `${verdict(perStream <= BYTES_PER_STREAM_TARGET)} (${kib(perStream)})` : "NOT MEASURED"}`,
    );
    console.log(`- event-loop lag p99 ≤ ${LAG_P99_TARGET_MS} ms: ${verdict(lag <= LAG_P99_TARGET_MS)} (${ms(lag)} ms)`);
    if (!(await checkBilling(userId, warmup.done + gatewayRun.done))) process.exitCode = 1;
  } finally {
    generator.stop();
    upstream.stop();
  }
}
