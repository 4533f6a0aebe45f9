// The gateway benchmark's load generator, in a process of its own: the benchmark's process holds
// Prisma and the test fixtures, and its garbage collections would land in the latencies it
// measures. Requests go over node:http with keep-alive, which costs the client a fraction of what
// fetch does per request, so that the numbers are the servers' rather than the client's. Reads
// one job per line (JSON) on stdin and answers each with one result line on stdout. Two kinds of
// job: requests sent by a number of clients (LoadJob), and a number of event streams opened at
// once and held to their end (StreamsJob).
import http from "node:http";
import { createInterface } from "node:readline";
import { collectGarbage } from "./full-gc";
import { residentBytes } from "./proc-stats";

export interface LoadJob {
  kind?: "requests";
  url: string;
  headers: Record<string, string>;
  body: string;
  concurrency: number;
  requests: number;
  /** Requests per second for all clients together; flat out when absent. */
  rate?: number;
}

export interface LoadResult {
  /** Milliseconds per successful request, sorted. */
  latencies: number[];
  seconds: number;
  failures: number;
  /** What the first failure was (an HTTP status and body, or a connection error). */
  firstError?: string;
}

export interface StreamsJob {
  kind: "streams";
  url: string;
  headers: Record<string, string>;
  /** A streamed chat request. */
  body: string;
  /** Streams held open to their end. */
  streams: number;
  /** They are opened one after another, evenly over this many milliseconds; all at once when absent. */
  openOverMs?: number;
  /**
   * Streams opened one every `everyMs` once all the others are flowing (each has had its first
   * token, or ended): their times to first token are what a new stream waits while those are open.
   */
  probes?: { count: number; everyMs: number };
  /**
   * A server process whose resident set to read every second while the streams run, and once more
   * right after a full garbage collection asked of it once every stream (probes included) flows.
   */
  watchPid?: number;
}

export interface ResidentSample {
  /** Streams sent and not yet ended at the time of the read. */
  open: number;
  /** The watched process's resident set, in bytes. */
  rss: number;
}

export interface StreamsResult {
  /** Milliseconds from sending each request to its first content token, sorted (streams that had one; probes apart). */
  ttfts: number[];
  /** The same, of the probes. */
  probeTtfts: number[];
  /** Answers other than 200, counted by status. */
  statuses: Record<string, number>;
  /** Streams that failed: a connection error, a status other than 200, or no [DONE] at the end. */
  failures: number;
  /** Streams opened, probes included. */
  opened: number;
  /** Streams that ended with data: [DONE], probes included. */
  done: number;
  seconds: number;
  /** The watched process's resident set while the streams ran. */
  rssSamples: ResidentSample[];
  /** Its resident set right after a full collection, once every stream flowed (none: a stream never did, or it wasn't watched). */
  collected?: ResidentSample;
  /** Why the collection could not be asked for. */
  collectError?: string;
  firstError?: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
// One connection per stream, as a thousand separate clients would open.
const streamAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

const STREAM_END = "data: [DONE]";
// A delta with a non-empty content string: the role chunk before it carries "content":"".
const CONTENT_TOKEN = /"content":"[^"]/;

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * POSTs a body and reads the whole answer: rejects on a status other than 200 (with the body) and
 * on an event stream that does not end with [DONE]. `onFirstToken` is called when the first
 * content token of an event stream arrives.
 */
function post(target: URL, options: { agent: http.Agent; headers: Record<string, string>; body: string; onFirstToken?: () => void }): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers = { ...options.headers, "content-length": String(Buffer.byteLength(options.body)) };
    const request = http.request(target, { method: "POST", agent: options.agent, headers }, (response) => {
      const failed = response.statusCode !== 200;
      const stream = !failed && String(response.headers["content-type"]).startsWith("text/event-stream");
      const chunks: Buffer[] = [];
      let head = "";
      let tail = "";
      let tokenSeen = false;
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        if (failed) chunks.push(Buffer.from(chunk));
        if (!stream) return;
        if (!tokenSeen) {
          head += chunk;
          if (CONTENT_TOKEN.test(head)) {
            tokenSeen = true;
            head = "";
            options.onFirstToken?.();
          }
        }
        tail = (tail + chunk).slice(-64);
      });
      response.once("error", reject);
      response.once("end", () => {
        if (failed)
          reject(Object.assign(new Error(`${response.statusCode} ${Buffer.concat(chunks).toString().slice(0, 300)}`), { status: response.statusCode }));
        else if (stream && !tail.trimEnd().endsWith(STREAM_END)) reject(new Error(`the event stream ended without [DONE]: …${JSON.stringify(tail)}`));
        else resolve();
      });
    });
    request.once("error", reject);
    request.end(options.body);
  });
}

const RSS_SAMPLE_MS = 1_000;

function sleepUntil(time: number): Promise<void> {
  const wait = time - performance.now();
  return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
}

/**
 * `requests` calls by `concurrency` clients. Paced clients send on a fixed schedule, client i at
 * i/rate seconds and then every concurrency/rate seconds (later if still waiting).
 */
async function runRequests({ url, headers, body, concurrency, requests, rate }: LoadJob): Promise<LoadResult> {
  const target = new URL(url);
  const latencies: number[] = [];
  let failures = 0;
  let firstError: string | undefined;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, client) => {
      for (let round = 0; next < requests; round += 1) {
        next += 1;
        if (rate) await sleepUntil(started + ((client + round * concurrency) / rate) * 1000);
        const t0 = performance.now();
        try {
          await post(target, { agent, headers, body });
          latencies.push(performance.now() - t0);
        } catch (error) {
          failures += 1;
          if (firstError === undefined) console.error(`load generator: ${describeError(error)}`);
          firstError ??= describeError(error);
        }
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), seconds: (performance.now() - started) / 1000, failures, firstError };
}

/**
 * Opens `streams` streamed requests, each on its own connection, at once or over `openOverMs`, then
 * the probes, and reads them all to their end, reading the watched process's resident set every
 * second meanwhile, and after a full collection once all of them flow.
 */
async function runStreams({ url, headers, body, streams, openOverMs, probes, watchPid }: StreamsJob): Promise<StreamsResult> {
  const target = new URL(url);
  const result: StreamsResult = { ttfts: [], probeTtfts: [], statuses: {}, failures: 0, opened: 0, done: 0, seconds: 0, rssSamples: [] };
  let open = 0;
  let running = true;
  const sampling = (async () => {
    while (watchPid && running) {
      await new Promise((resolve) => setTimeout(resolve, RSS_SAMPLE_MS));
      if (running) result.rssSamples.push({ open, rss: await residentBytes(watchPid) });
    }
  })();
  const stream = async (ttfts: number[], onFlowing: () => void = () => undefined) => {
    const t0 = performance.now();
    open += 1;
    result.opened += 1;
    try {
      await post(target, {
        agent: streamAgent,
        headers,
        body,
        onFirstToken: () => {
          ttfts.push(performance.now() - t0);
          onFlowing();
        },
      });
      result.done += 1;
    } catch (error) {
      result.failures += 1;
      result.firstError ??= describeError(error);
      const status = (error as { status?: number }).status;
      if (status) result.statuses[status] = (result.statuses[status] ?? 0) + 1;
    }
    open -= 1;
  };
  const started = performance.now();
  // A stream opened at `opensAt` (now if absent) is flowing from its first token, or from its end if it never had one.
  const flowingStream = (ttfts: number[], opensAt?: number) => {
    let nowFlowing: () => void = () => undefined;
    const flowing = new Promise<void>((resolve) => (nowFlowing = resolve));
    const ended = (async () => {
      if (opensAt !== undefined) await sleepUntil(opensAt);
      await stream(ttfts, nowFlowing);
      nowFlowing();
    })();
    return { flowing, ended };
  };
  const held = Array.from({ length: streams }, (_, i) => flowingStream(result.ttfts, openOverMs ? started + (i / streams) * openOverMs : undefined));
  const heldFlowing = Promise.all(held.map((stream) => stream.flowing));
  const probing = (async () => {
    if (!probes) return [];
    await heldFlowing;
    const from = performance.now();
    return Array.from({ length: probes.count }, (_, i) => flowingStream(result.probeTtfts, from + i * probes.everyMs));
  })();
  const collecting = (async () => {
    if (!watchPid) return;
    await heldFlowing;
    await Promise.all((await probing).map((probe) => probe.flowing));
    // Only while all of them are still open: a read after some ended would count their memory for the rest.
    if (open !== result.opened) return;
    try {
      await collectGarbage(watchPid);
      result.collected = { open, rss: await residentBytes(watchPid) };
    } catch (error) {
      result.collectError = describeError(error);
    }
  })();
  await Promise.all([...held.map((stream) => stream.ended), probing.then((opened) => Promise.all(opened.map((probe) => probe.ended))), collecting]);
  result.seconds = (performance.now() - started) / 1000;
  running = false;
  await sampling;
  result.ttfts.sort((a, b) => a - b);
  result.probeTtfts.sort((a, b) => a - b);
  return result;
}

// One job at a time, in order: each is measured alone.
let queue = Promise.resolve();
createInterface({ input: process.stdin }).on("line", (line) => {
  const job = JSON.parse(line) as LoadJob | StreamsJob;
  queue = queue.then(async () => void process.stdout.write(`${JSON.stringify(job.kind === "streams" ? await runStreams(job) : await runRequests(job))}\n`));
});
