// A thousand streams open at once through the gateway: an upstream (a process of its own, so that
// its event loop is not the gateway's) emits a token every TOKEN_DELAY_MS for TOKENS tokens, and
// the load generator opens STREAMS streamed chat requests at the same moment, each on its own
// connection, straight to the upstream (the baseline) and then through EcoLink, and reads each to
// its end. It reports errors, 5xx answers and streams that did not end with [DONE], the
// time-to-first-token the gateway adds, the gateway API process's memory per open stream (its
// resident set from /proc, idle against while all the streams were open) and its event-loop lag
// over the run (prom-client's, from the app's /metrics with the METRICS_TOKEN that bench.ts gives
// the stack), and checks that every stream was billed.
import { readFile } from "node:fs/promises";
import { registerUpstreamModel } from "../../test/support/v1-fixtures";
import { benchUser, checkBilling, percentile, startLoadGenerator, startUpstreamProcess, verdict } from "./gateway";
import type { StreamsResult } from "./load-process";

const STREAMS = 1_000;
const TOKENS = 600;
const TOKEN_DELAY_MS = 50;
/** How often the API process's resident set is read while the streams run. */
const SAMPLE_MS = 1_000;
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

/** The process's resident set in bytes (VmRSS of /proc/<pid>/status). */
async function residentBytes(pid: number): Promise<number> {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`/proc/${pid}/status has no VmRSS`);
  return Number(match[1]) * 1024;
}

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
  const statuses = Object.entries(run.statuses).map(([status, count]) => `${count}×${status}`).join(", ") || "none";
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
    const ecolink = { url: `${appUrl}/v1/chat/completions`, headers: { ...json, authorization: `Bearer ${secret}` }, body: JSON.stringify({ ...body, model: model.id }) };
    // A few short streams of this model first, so that the first of the thousand pays for nothing new.
    const warmup = await generator.streams({ ...ecolink, body: JSON.stringify({ ...body, model: model.id, max_tokens: 2 }), streams: 50 });

    const directRun = await generator.streams({ ...direct, streams: STREAMS });
    const idleRss = appPid === null ? NaN : await residentBytes(appPid);
    await eventLoopLagP99Ms(appUrl, metricsToken);
    const rss: { at: number; bytes: number }[] = [];
    const started = performance.now();
    let running = true;
    const gatewayRunning = generator.streams({ ...ecolink, streams: STREAMS }).finally(() => {
      running = false;
    });
    while (running && appPid !== null) {
      await Promise.race([gatewayRunning, new Promise((resolve) => setTimeout(resolve, SAMPLE_MS))]);
      rss.push({ at: (performance.now() - started) / 1000, bytes: await residentBytes(appPid) });
    }
    const gatewayRun = await gatewayRunning;
    const lag = await eventLoopLagP99Ms(appUrl, metricsToken);

    console.log(
      `\n${STREAMS} streams opened at once, each on its own connection (an upstream of its own emitting a token every ${TOKEN_DELAY_MS} ms, ${TOKENS} tokens; time to first token = to the first content delta)`,
    );
    console.log(summary("direct", directRun));
    console.log(summary("EcoLink", gatewayRun));
    const addedP50 = percentile(gatewayRun.ttfts, 50) - percentile(directRun.ttfts, 50);
    const addedP99 = percentile(gatewayRun.ttfts, 99) - percentile(directRun.ttfts, 99);
    const fiveHundreds = Object.entries(gatewayRun.statuses).reduce((sum, [status, count]) => sum + (Number(status) >= 500 ? count : 0), 0);
    console.log(`EcoLink added TTFT p50 / p99: ${ms(addedP50)} / ${ms(addedP99)} ms`);
    // Memory while all of them were open: after the last first token, before the first one ended.
    const { lastFirstTokenAt, firstEndAt } = gatewayRun;
    const allOpen = lastFirstTokenAt === null || firstEndAt === null ? [] : rss.filter((s) => s.at >= lastFirstTokenAt && s.at <= firstEndAt);
    const peakRss = Math.max(...allOpen.map((s) => s.bytes));
    const perStream = (peakRss - idleRss) / STREAMS;
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
    const allOpenFor = lastFirstTokenAt === null || firstEndAt === null ? "never" : `${Math.max(0, firstEndAt - lastFirstTokenAt).toFixed(1)} s`;
    const memory = allOpen.length
      ? `RSS idle ${mib(idleRss)}, ${mib(peakRss)} at most with all ${STREAMS} open (${allOpen.length} reads): ${kib(perStream)} per open stream`
      : `not measured: ${appPid === null ? "no process id for the app" : `no read fell while all ${STREAMS} were open (all open for ${allOpenFor})`}`;
    console.log(`Gateway API process memory: ${memory}`);
    console.log(`Event-loop lag p99 of the gateway API process over the run (from /metrics): ${ms(lag)} ms`);

    console.log("Targets:");
    console.log(`- no errors: ${verdict(gatewayRun.failures === 0 && gatewayRun.done === STREAMS)} (${gatewayRun.failures} failed, ${gatewayRun.done} of ${STREAMS} ended with [DONE])`);
    console.log(`- no 5xx: ${verdict(fiveHundreds === 0)} (${fiveHundreds})`);
    console.log(`- added TTFT p50 ≤ ${ADDED_TTFT_P50_TARGET_MS} ms: ${verdict(addedP50 <= ADDED_TTFT_P50_TARGET_MS)} (${ms(addedP50)} ms)`);
    console.log(`- memory per open stream ≤ ${kib(BYTES_PER_STREAM_TARGET)}: ${allOpen.length ? `${verdict(perStream <= BYTES_PER_STREAM_TARGET)} (${kib(perStream)})` : "NOT MEASURED"}`);
    console.log(`- event-loop lag p99 ≤ ${LAG_P99_TARGET_MS} ms: ${verdict(lag <= LAG_P99_TARGET_MS)} (${ms(lag)} ms)`);
    if (!(await checkBilling(userId, warmup.done + gatewayRun.done))) process.exitCode = 1;
  } finally {
    generator.stop();
    upstream.stop();
  }
}
