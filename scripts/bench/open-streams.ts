// A thousand streams open at once through the gateway: an upstream (a process of its own, so that
// its event loop is not the gateway's) emits a token every TOKEN_DELAY_MS for TOKENS tokens, and
// the load generator opens STREAMS streamed chat requests, each on its own connection, straight to
// the upstream (the baseline), then through a bare Node relay (the floor: bare-relay.ts), then
// through EcoLink, and reads each to its end. First, streams one at a time (ALONE), with nothing
// else open: what each relay adds to a stream's first token with no load at all, the fixed cost
// under what the thousand add. Then the thousand, twice:
// - a burst: all in the same instant, which measures how fast each relay takes a thundering herd in
//   (for EcoLink, from its holds' times);
// - steady: opened evenly over OPEN_OVER_MS, then PROBES more, one at a time, while the thousand
//   flow. The probes' time to first token is what a new stream waits with a thousand open: the
//   added time-to-first-token of issue 14's target. No relay can add 2 ms to each of a thousand
//   requests arriving in the same instant (each takes more than 2 µs to take in), so the burst
//   has no target.
// Each run reports errors, 5xx answers and streams that did not end with [DONE], the
// time-to-first-token each relay adds, their memory per open stream and CPU time per relayed
// token; the steady run, the
// gateway API process's event-loop lag (prom-client's, from the app's /metrics with the
// METRICS_TOKEN that bench.ts gives the stack). Every stream must have been billed.
//
// Memory per open stream is what a stream keeps: the process's resident set right after a full
// garbage collection with every stream open (full-gc.ts; the load generator asks for it once all
// of them, probes included, flow), over its resident set at rest right after one, before the
// first run. The largest resident set read while the streams ran (every second) is printed beside
// it: that one also holds the garbage not yet collected, which the collector's timing decides (the
// same code read anywhere from 17 to 306 KiB per stream that way, depending on what earlier runs
// had left resident).
import { db } from "../../lib/db";
import { registerUpstreamModel } from "../../test/support/v1-fixtures";
import { benchUser, checkBilling, type LoadGenerator, percentile, startBareRelay, startLoadGenerator, startUpstreamProcess, verdict } from "./gateway";
import type { ResidentSample, StreamsJob, StreamsResult } from "./load-process";
import { collectGarbage } from "./full-gc";
import { processCpuSeconds, residentBytes } from "./proc-stats";

const STREAMS = 1_000;
const TOKENS = 600;
const TOKEN_DELAY_MS = 50;
/** The steady run opens the thousand evenly over this long, then the probes, one every PROBES.everyMs. */
const OPEN_OVER_MS = 10_000;
const PROBES = { count: 100, everyMs: 50 };
/** Tokens of a short stream: the warm-up's, and each of the streams one at a time. */
const SHORT_TOKENS = 2;
/** Short streams opened this far apart, so that each ends before the next opens. */
const ALONE = { streams: 50, everyMs: 150 };
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
  const probes = run.probeTtfts.length > 0 ? `; probes ${ms(percentile(run.probeTtfts, 50))} / ${ms(percentile(run.probeTtfts, 99))} ms` : "";
  return (
    `${label.padEnd(10)}  TTFT p50 / p99 ${ms(percentile(run.ttfts, 50))} / ${ms(percentile(run.ttfts, 99))} ms${probes}, ` +
    `${run.done} of ${run.opened} ended with [DONE], ${run.failures} failed (answers other than 200: ${statuses}; 5xx: ${fiveHundredsOf(run)}), ${run.seconds.toFixed(1)} s` +
    (run.firstError ? `; first failure: ${run.firstError}` : "")
  );
}

/** Bytes per open stream over the process at rest, at a read with streams open. */
const perStream = (sample: ResidentSample, atRest: number) => (sample.rss - atRest) / sample.open;

/**
 * Whether the memory kept per stream meets its target. A process that held more at rest than with
 * every stream open had memory at rest that its allocator had not given back yet: no measure at all.
 */
function keptVerdict(kept: number | null): string {
  if (kept === null) return "NOT MEASURED";
  if (kept <= 0) return `NOT MEASURED (${kib(kept)}: the process at rest held memory its allocator gave back later)`;
  return `${verdict(kept <= BYTES_PER_STREAM_TARGET)} (${kib(kept)})`;
}

/** A run's reads with streams open: after a full collection, and the largest of those taken every second. */
function readsOf(run: StreamsResult): { collected: ResidentSample | null; busiest: ResidentSample | null } {
  const busiest = run.rssSamples.reduce<ResidentSample | null>(
    (best, r) => (!best || r.open > best.open || (r.open === best.open && r.rss > best.rss) ? r : best),
    null,
  );
  const withStreams = (sample: ResidentSample | null | undefined) => (sample && sample.open > 0 ? sample : null);
  return { collected: withStreams(run.collected), busiest: withStreams(busiest) };
}

/**
 * jemalloc, which the production server runs on (scripts/run-server.sh), gives freed pages back to
 * the system over its decay time (dirty_decay_ms, 10 s by default), on a thread of its own.
 */
const ALLOCATOR_DECAY_MS = 11_000;

/**
 * A process's resident set at rest: read once the memory its full garbage collection freed has had
 * the allocator's decay time to go back to the system, so that garbage freed moments before is not
 * counted as kept. (glibc's malloc keeps it anyway.)
 */
async function restingBytes(pid: number): Promise<number> {
  await collectGarbage(pid);
  await new Promise((resolve) => setTimeout(resolve, ALLOCATOR_DECAY_MS));
  return residentBytes(pid);
}

/** The streams through `target`, with the CPU time `pid` spent on them. */
async function measuredStreams(
  generator: LoadGenerator,
  target: { url: string; headers: Record<string, string>; body: string },
  pid: number | null,
  how: Pick<StreamsJob, "openOverMs" | "probes">,
): Promise<{ run: StreamsResult; cpuSeconds: number | null }> {
  const before = pid === null ? null : await processCpuSeconds(pid);
  const run = await generator.streams({ ...target, ...how, streams: STREAMS, watchPid: pid ?? undefined });
  return { run, cpuSeconds: before === null ? null : (await processCpuSeconds(pid!)) - before };
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
    const short = (target: { body: string }) => JSON.stringify({ ...(JSON.parse(target.body) as object), max_tokens: SHORT_TOKENS });
    const warmup = await generator.streams({ ...ecolink, body: short(ecolink), streams: 50 });
    await generator.streams({ ...bare, body: short(bare), streams: 50 });

    const cpu = (run: { run: StreamsResult; cpuSeconds: number | null }) =>
      run.cpuSeconds === null
        ? "not measured"
        : `${((run.cpuSeconds / (run.run.done * TOKENS)) * 1e6).toFixed(1)} µs (${run.cpuSeconds.toFixed(1)} s over the run)`;
    // Both processes at rest, after the warm-up: what their memory per stream counts from.
    const atRest = { ecolink: appPid === null ? null : await restingBytes(appPid), bare: await restingBytes(relay.pid) };
    const memoryText = (run: StreamsResult, rest: number | null) => {
      if (rest === null) return "not measured (no process id for the app)";
      const { collected, busiest } = readsOf(run);
      const kept = collected
        ? `${kib(perStream(collected, rest))} kept (at rest ${mib(rest)}, ${mib(collected.rss)} with ${collected.open} open, each after a full collection)`
        : `kept not measured (${run.collectError ?? "a stream ended before all flowed"})`;
      const resident = busiest
        ? `${kib(perStream(busiest, rest))} resident at the busiest read, garbage included (${mib(busiest.rss)} with ${busiest.open} open)`
        : "no resident set read with streams open";
      return `${kept}; ${resident}`;
    };
    const memoryLine = (gatewayRun: StreamsResult, bareRun: StreamsResult) =>
      `Memory per open stream: EcoLink's API process ${memoryText(gatewayRun, atRest.ecolink)}; bare relay ${memoryText(bareRun, atRest.bare)}`;
    console.log(
      `\n${STREAMS} streams, each on its own connection (an upstream of its own emitting a token every ${TOKEN_DELAY_MS} ms, ${TOKENS} tokens; time to first token = to the first content delta)`,
    );
    console.log(
      "(bare relay: node:http piping the upstream's bytes to the client and nothing else, no key, hold, parsing or checkpoint: the least a gateway on Node pays here)",
    );

    const addedOver = (directRun: StreamsResult, which: "ttfts" | "probeTtfts") => (run: StreamsResult, p: number) =>
      percentile(run[which], p) - percentile(directRun[which], p);

    // One at a time.
    const alone = (target: typeof direct) => ({
      ...target,
      body: short(target),
      streams: ALONE.streams,
      openOverMs: ALONE.streams * ALONE.everyMs,
    });
    const directAlone = await generator.streams(alone(direct));
    const bareAlone = await generator.streams(alone(bare));
    const gatewayAlone = await generator.streams(alone(ecolink));
    const addedAlone = addedOver(directAlone, "ttfts");
    console.log(`\nOne at a time: ${ALONE.streams} streams of ${SHORT_TOKENS} tokens, opened ${ALONE.everyMs} ms apart (nothing else open)`);
    console.log(summary("direct", directAlone));
    console.log(summary("bare relay", bareAlone));
    console.log(summary("EcoLink", gatewayAlone));
    console.log(
      `Added TTFT p50 / p99 with no load: EcoLink ${ms(addedAlone(gatewayAlone, 50))} / ${ms(addedAlone(gatewayAlone, 99))} ms; bare relay ${ms(addedAlone(bareAlone, 50))} / ${ms(addedAlone(bareAlone, 99))} ms`,
    );

    // The burst.
    const allAtOnce = {};
    const directBurst = await generator.streams({ ...direct, streams: STREAMS });
    const bareBurst = await measuredStreams(generator, bare, relay.pid, allAtOnce);
    const burstStarted = new Date();
    const gatewayBurst = await measuredStreams(generator, ecolink, appPid, allAtOnce);
    // When each stream's hold was taken, from the first: how long the gateway took to take the
    // thousand requests in (their connections wait to be accepted while its event loop is busy).
    const holds = await db.requestLog.findMany({
      where: { userId, createdAt: { gte: burstStarted } },
      select: { createdAt: true },
      orderBy: { createdAt: "asc" },
    });
    const intakeMs = holds.map((row) => row.createdAt.getTime() - holds[0]!.createdAt.getTime());
    const addedInBurst = addedOver(directBurst, "ttfts");
    console.log(`\nA burst: all ${STREAMS} opened in the same instant`);
    console.log(summary("direct", directBurst));
    console.log(summary("bare relay", bareBurst.run));
    console.log(summary("EcoLink", gatewayBurst.run));
    console.log(
      `Added TTFT p50 / p99: EcoLink ${ms(addedInBurst(gatewayBurst.run, 50))} / ${ms(addedInBurst(gatewayBurst.run, 99))} ms; bare relay ${ms(addedInBurst(bareBurst.run, 50))} / ${ms(addedInBurst(bareBurst.run, 99))} ms`,
    );
    console.log(
      `Requests taken in (hold placed), from the first: p50 ${ms(percentile(intakeMs, 50))} ms, p99 ${ms(percentile(intakeMs, 99))} ms, last ${ms(intakeMs.at(-1) ?? NaN)} ms`,
    );
    console.log(memoryLine(gatewayBurst.run, bareBurst.run));
    console.log(`CPU per token relayed: EcoLink's API process ${cpu(gatewayBurst)}; bare relay ${cpu(bareBurst)}`);

    // Steady.
    const steady = { openOverMs: OPEN_OVER_MS, probes: PROBES };
    const directSteady = await generator.streams({ ...direct, ...steady, streams: STREAMS });
    const bareSteady = await measuredStreams(generator, bare, relay.pid, steady);
    await eventLoopLagP99Ms(appUrl, metricsToken);
    const gatewaySteady = await measuredStreams(generator, ecolink, appPid, steady);
    const lag = await eventLoopLagP99Ms(appUrl, metricsToken);
    const addedToProbes = addedOver(directSteady, "probeTtfts");
    const addedP50 = addedToProbes(gatewaySteady.run, 50);
    const gatewayRun = gatewaySteady.run;
    const { collected } = readsOf(gatewayRun);
    const kept = atRest.ecolink === null || collected === null ? null : perStream(collected, atRest.ecolink);
    console.log(
      `\nSteady: the ${STREAMS} opened evenly over ${OPEN_OVER_MS / 1000} s, then ${PROBES.count} probes, one every ${PROBES.everyMs} ms, once all ${STREAMS} were flowing`,
    );
    console.log(summary("direct", directSteady));
    console.log(summary("bare relay", bareSteady.run));
    console.log(summary("EcoLink", gatewayRun));
    console.log(
      `Added TTFT of a stream opened while ${STREAMS} flow (the probes), p50 / p99: EcoLink ${ms(addedP50)} / ${ms(addedToProbes(gatewayRun, 99))} ms; bare relay ${ms(addedToProbes(bareSteady.run, 50))} / ${ms(addedToProbes(bareSteady.run, 99))} ms`,
    );
    console.log(memoryLine(gatewayRun, bareSteady.run));
    console.log(`Event-loop lag p99 of the gateway API process over the run (from /metrics): ${ms(lag)} ms`);
    console.log(`CPU per token relayed: EcoLink's API process ${cpu(gatewaySteady)}; bare relay ${cpu(bareSteady)}`);

    const failed = gatewayBurst.run.failures + gatewayRun.failures;
    const ended = gatewayBurst.run.done + gatewayRun.done;
    const fiveHundreds = fiveHundredsOf(gatewayBurst.run) + fiveHundredsOf(gatewayRun);
    const expected = 2 * STREAMS + PROBES.count;
    console.log("Targets (errors over both runs; the rest from the steady run):");
    console.log(`- no errors: ${verdict(failed === 0 && ended === expected)} (${failed} failed, ${ended} of ${expected} ended with [DONE])`);
    console.log(`- no 5xx: ${verdict(fiveHundreds === 0)} (${fiveHundreds})`);
    console.log(`- added TTFT p50 ≤ ${ADDED_TTFT_P50_TARGET_MS} ms: ${verdict(addedP50 <= ADDED_TTFT_P50_TARGET_MS)} (${ms(addedP50)} ms)`);
    console.log(`- memory per open stream ≤ ${kib(BYTES_PER_STREAM_TARGET)} (kept, after a full collection): ${keptVerdict(kept)}`);
    console.log(`- event-loop lag p99 ≤ ${LAG_P99_TARGET_MS} ms: ${verdict(lag <= LAG_P99_TARGET_MS)} (${ms(lag)} ms)`);
    if (!(await checkBilling(userId, warmup.done + gatewayAlone.done + ended))) process.exitCode = 1;
  } finally {
    relay.stop();
    generator.stop();
    upstream.stop();
  }
}
