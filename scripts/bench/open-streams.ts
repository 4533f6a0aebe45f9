// A thousand streams open at once through the gateway: an upstream (a process of its own, so that
// its event loop is not the gateway's) emits a token every TOKEN_DELAY_MS for TOKENS tokens, and
// the load generator opens STREAMS streamed chat requests at the same moment, each on its own
// connection, straight to the upstream (the baseline), then through a bare Node relay (the floor:
// bare-relay.ts), then through EcoLink, and reads each to its end. It reports errors, 5xx answers
// and streams that did not end with [DONE], the time-to-first-token each relay adds, their memory
// per open stream (the process's resident set, read by the load generator from /proc before the
// streams open and every second while they run, at the read with the most streams open) and CPU
// time per relayed token, the gateway API process's event-loop lag over the run (prom-client's,
// from the app's /metrics with the METRICS_TOKEN that bench.ts gives the stack), how long the
// gateway took to take the thousand requests in (from their holds' times), and checks that every
// stream was billed.
import { db } from "../../lib/db";
import { registerUpstreamModel } from "../../test/support/v1-fixtures";
import { benchUser, checkBilling, type LoadGenerator, lineReader, percentile, spawnScript, startLoadGenerator, startUpstreamProcess, verdict } from "./gateway";
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
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** Answers with a 5xx status. */
function fiveHundredsOf(run: StreamsResult): number {
  return Object.entries(run.statuses).reduce((sum, [status, count]) => sum + (Number(status) >= 500 ? count : 0), 0);
}

function summary(label: string, run: StreamsResult): string {
  const statuses =
    Object.entries(run.statuses)
      .map(([status, count]) => `${count}×${status}`)
      .join(", ") || "none";
  return (
    `${label.padEnd(10)}  TTFT p50 / p99 ${ms(percentile(run.ttfts, 50))} / ${ms(percentile(run.ttfts, 99))} ms, ` +
    `${run.done} of ${STREAMS} ended with [DONE], ${run.failures} failed (answers other than 200: ${statuses}; 5xx: ${fiveHundredsOf(run)}), ${run.seconds.toFixed(1)} s` +
    (run.firstError ? `; first failure: ${run.firstError}` : "")
  );
}

interface StreamsMemory {
  idle: number;
  /** The read with the most streams open (the largest resident set among those reads). */
  busiest: ResidentSample;
  perStream: number;
}

/** A watched process's resident set per open stream, or null when no read saw a stream open. */
function memoryPerStream(run: StreamsResult): StreamsMemory | null {
  const busiest = run.rssSamples.reduce<ResidentSample | null>(
    (best, r) => (!best || r.open > best.open || (r.open === best.open && r.rss > best.rss) ? r : best),
    null,
  );
  if (busiest === null || busiest.open === 0 || run.idleRss === undefined) return null;
  return { idle: run.idleRss, busiest, perStream: (busiest.rss - run.idleRss) / busiest.open };
}

const perToken = (cpuSeconds: number) => (cpuSeconds / (STREAMS * TOKENS)) * 1e6;

/** The streams through `target`, with the CPU time `pid` spent on them. */
async function measuredStreams(
  generator: LoadGenerator,
  target: { url: string; headers: Record<string, string>; body: string },
  pid: number | null,
): Promise<{ run: StreamsResult; cpuSeconds: number | null }> {
  const before = pid === null ? null : await processCpuSeconds(pid);
  const run = await generator.streams({ ...target, streams: STREAMS, watchPid: pid ?? undefined });
  return { run, cpuSeconds: before === null ? null : (await processCpuSeconds(pid!)) - before };
}

/** The bare relay (bare-relay.ts) in front of the upstream. */
async function startBareRelay(upstreamBaseUrl: string): Promise<{ url: string; pid: number; stop(): void }> {
  const child = spawnScript("bare-relay.ts", [upstreamBaseUrl]);
  const { url, pid } = JSON.parse(await lineReader(child)()) as { url: string; pid: number };
  return { url, pid, stop: () => process.kill(pid) };
}

export async function runOpenStreamsBench(appUrl: string, metricsToken: string, appPid: number | null): Promise<void> {
  const upstream = await startUpstreamProcess();
  const generator = startLoadGenerator();
  const relay = await startBareRelay(upstream.baseUrl);
  try {
    const model = await registerUpstreamModel(upstream, "CHAT");
    await upstream.behave(model.upstreamModel, { tokenDelayMs: TOKEN_DELAY_MS });
    const { userId, secret } = await benchUser("bench-streams");
    const body = { messages: [{ role: "user", content: "Tell me a long story." }], max_tokens: TOKENS, stream: true };
    const json = { "content-type": "application/json" };
    const upstreamBody = JSON.stringify({ ...body, model: model.upstreamModel });
    const direct = { url: `${upstream.baseUrl}/chat/completions`, headers: json, body: upstreamBody };
    const bare = { url: `${relay.url}/v1/chat/completions`, headers: json, body: upstreamBody };
    const ecolink = {
      url: `${appUrl}/v1/chat/completions`,
      headers: { ...json, authorization: `Bearer ${secret}` },
      body: JSON.stringify({ ...body, model: model.id }),
    };
    // A few short streams of this model first, so that the first of the thousand pays for nothing new.
    const short = (target: { body: string }) => JSON.stringify({ ...(JSON.parse(target.body) as object), max_tokens: 2 });
    const warmup = await generator.streams({ ...ecolink, body: short(ecolink), streams: 50 });
    await generator.streams({ ...bare, body: short(bare), streams: 50 });

    const directRun = await generator.streams({ ...direct, streams: STREAMS });
    const bareRun = await measuredStreams(generator, bare, relay.pid);
    await eventLoopLagP99Ms(appUrl, metricsToken);
    const runStarted = new Date();
    const gateway = await measuredStreams(generator, ecolink, appPid);
    const gatewayRun = gateway.run;
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
    console.log(summary("bare relay", bareRun.run));
    console.log(summary("EcoLink", gatewayRun));
    console.log(
      "(bare relay: node:http piping the upstream's bytes to the client and nothing else, no key, hold, parsing or checkpoint: the least a gateway on Node pays here)",
    );
    const added = (run: StreamsResult, p: number) => percentile(run.ttfts, p) - percentile(directRun.ttfts, p);
    const addedP50 = added(gatewayRun, 50);
    const fiveHundreds = fiveHundredsOf(gatewayRun);
    console.log(
      `Added TTFT p50 / p99: EcoLink ${ms(addedP50)} / ${ms(added(gatewayRun, 99))} ms; bare relay ${ms(added(bareRun.run, 50))} / ${ms(added(bareRun.run, 99))} ms`,
    );
    const memory = memoryPerStream(gatewayRun);
    const bareMemory = memoryPerStream(bareRun.run);
    console.log(
      `Memory per open stream (resident set, at the read with the most streams open): EcoLink's API process ${
        memory
          ? `${kib(memory.perStream)} (idle ${mib(memory.idle)}, ${mib(memory.busiest.rss)} with ${memory.busiest.open} streams open, of ${gatewayRun.rssSamples.length} reads)`
          : `not measured (${appPid === null ? "no process id for the app" : "no read while streams were open"})`
      }; bare relay ${bareMemory ? kib(bareMemory.perStream) : "not measured"}`,
    );
    console.log(`Event-loop lag p99 of the gateway API process over the run (from /metrics): ${ms(lag)} ms`);
    const cpu = (run: { cpuSeconds: number | null }) =>
      run.cpuSeconds === null ? "not measured" : `${perToken(run.cpuSeconds).toFixed(1)} µs (${run.cpuSeconds.toFixed(1)} s over the run)`;
    console.log(`CPU per token relayed: EcoLink's API process ${cpu(gateway)}; bare relay ${cpu(bareRun)}`);
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
      `- memory per open stream ≤ ${kib(BYTES_PER_STREAM_TARGET)}: ${memory ? `${verdict(memory.perStream <= BYTES_PER_STREAM_TARGET)} (${kib(memory.perStream)})` : "NOT MEASURED"}`,
    );
    console.log(`- event-loop lag p99 ≤ ${LAG_P99_TARGET_MS} ms: ${verdict(lag <= LAG_P99_TARGET_MS)} (${ms(lag)} ms)`);
    if (!(await checkBilling(userId, warmup.done + gatewayRun.done))) process.exitCode = 1;
  } finally {
    relay.stop();
    generator.stop();
    upstream.stop();
  }
}
