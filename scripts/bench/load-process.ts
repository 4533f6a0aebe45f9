// The gateway benchmark's load generator, in a process of its own: the benchmark's process holds
// Prisma and the test fixtures, and its garbage collections would land in the latencies it
// measures. Requests go over node:http with keep-alive, which costs the client a fraction of what
// fetch does per request, so that the numbers are the servers' rather than the client's. Reads
// one job per line (JSON) on stdin and answers each with one result line on stdout.
import http from "node:http";
import { createInterface } from "node:readline";

export interface LoadJob {
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
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** POSTs the job's body and reads the whole answer (a JSON body or an event stream to its end). */
function post(target: URL, headers: Record<string, string>, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request(target, { method: "POST", agent, headers: { ...headers, "content-length": String(Buffer.byteLength(body)) } }, (response) => {
      const failed = response.statusCode !== 200;
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => failed && chunks.push(chunk));
      response.once("error", reject);
      response.once("end", () => (failed ? reject(new Error(`${response.statusCode} ${Buffer.concat(chunks).toString()}`)) : resolve()));
    });
    request.once("error", reject);
    request.end(body);
  });
}

function sleepUntil(time: number): Promise<void> {
  const wait = time - performance.now();
  return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
}

/**
 * `requests` calls by `concurrency` clients. Paced clients send on a fixed schedule, client i at
 * i/rate seconds and then every concurrency/rate seconds (later if still waiting).
 */
async function run({ url, headers, body, concurrency, requests, rate }: LoadJob): Promise<LoadResult> {
  const target = new URL(url);
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
          await post(target, headers, body);
          latencies.push(performance.now() - t0);
        } catch (error) {
          failures += 1;
          if (failures === 1) console.error(`load generator: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), seconds: (performance.now() - started) / 1000, failures };
}

// One job at a time, in order: each is measured alone.
let queue = Promise.resolve();
createInterface({ input: process.stdin }).on("line", (line) => {
  queue = queue.then(async () => void process.stdout.write(`${JSON.stringify(await run(JSON.parse(line) as LoadJob))}\n`));
});
