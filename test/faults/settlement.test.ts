// Settlement under faults, with real processes: the production server (scripts/start.ts, two
// instances on one PostgreSQL) is killed with SIGKILL mid-stream, loses its database for five
// seconds, loses its Next.js child, and is sent SIGTERM mid-stream. After each, every token a
// client received is billed exactly once (killed streams from their last checkpoint: never more
// than the stream's unrecorded bound below what it sent, nor more than the tokens the kill cut off
// in flight above it), no hold outlives the lease, and balance = ledger.
//
// The suite runs its own embedded PostgreSQL (stopped and started again in one test, which must
// not disturb the shared stack) and a loopback upstream that streams a token every 80 ms. Leases,
// sweeps and the shutdown grace are shortened through the environment.
import { execFileSync } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getBalance, ledgerTotal } from "@/lib/credits/ledger";
import { perMillion } from "@/lib/credits/money";
import { db } from "@/lib/db";
import { UNRECORDED_OUTPUT_TOKENS } from "@/lib/inference/generation";
import { seedDatabase } from "../../prisma/seed";
import { freePort, startEmbeddedPostgres, type RunningPostgres } from "../../scripts/lib/embedded-postgres";
import { applyMigrations } from "../../scripts/lib/migrations";
import { type AppProcess, startAppOn } from "../support/stack";
import { startUpstreamServer, upstreamPromptTokens, type UpstreamServer } from "../support/upstream-server";
import { deltaContent, eventually, fundedUser, newApiKey, parseEventStream, registerUpstreamModel, requestLog, type TestModel } from "../support/v1-fixtures";

const LEASE_MS = 4_000;
/** The sweep runs every third of the lease. */
const SWEEP_EVERY_MS = LEASE_MS / 3;
const GRACE_MS = 4_000;
const TOKEN_DELAY_MS = 80;
const INPUT_PRICE = 1_000_000_000n;
const OUTPUT_PRICE = 10_000_000_000n;
const PROMPT = "Tell me a long story about a lighthouse";
const METRICS_TOKEN = "test-metrics-token-faults";

let tmp: string;
let postgres: RunningPostgres;
let postgresPort: number;
let databaseUrl: string;
let upstream: UpstreamServer;
let model: TestModel;
const servers: AppProcess[] = [];

async function startPostgres(): Promise<RunningPostgres> {
  // Persistent: stopping it must keep the data for the start that follows.
  return startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), port: postgresPort, persistent: true, quiet: true });
}

async function startServer(): Promise<AppProcess> {
  const server = await startAppOn(
    { databaseUrl },
    {
      INSTANCE_LEASE_MS: String(LEASE_MS),
      SHUTDOWN_GRACE_MS: String(GRACE_MS),
      METRICS_TOKEN,
    },
  );
  servers.push(server);
  return server;
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "ecolink-faults-"));
  // The cluster lives inside: the postgres user (when we are root) must be able to enter it.
  await chmod(tmp, 0o755);
  postgresPort = await freePort();
  postgres = await startPostgres();
  await postgres.createDatabase("ecolink_faults");
  databaseUrl = postgres.url("ecolink_faults");
  // This file's own database: set before lib/db first connects, so the fixtures below write there.
  process.env.DATABASE_URL = databaseUrl;
  await applyMigrations(databaseUrl);
  await seedDatabase(databaseUrl);
  const [connected] = await db.$queryRaw<{ name: string }[]>`SELECT current_database() AS name`;
  expect(connected?.name).toBe("ecolink_faults");
  upstream = await startUpstreamServer();
  model = await registerUpstreamModel(upstream, "CHAT", { inputPrice: INPUT_PRICE, outputPrice: OUTPUT_PRICE });
  upstream.behave(model.upstreamModel, { tokenDelayMs: TOKEN_DELAY_MS });
}, 240_000);

afterAll(async () => {
  for (const server of servers) {
    if (!(await exitedYet(server))) process.kill(server.pid, "SIGKILL");
  }
  await upstream?.close();
  await db.$disconnect();
  await postgres?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
}, 60_000);

interface WatchedStream {
  requestId: string;
  /** When each content token arrived. */
  tokens: number[];
  /** Resolves when the stream ends: with [DONE], with an error event, or cut off. */
  ended: Promise<{ done: boolean; error: string | null; cut: boolean }>;
}

/** Opens a streamed chat completion and notes each token as it arrives. */
async function openStream(origin: string, secret: string, maxTokens: number): Promise<WatchedStream> {
  const response = await fetch(`${origin}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({
      model: model.id,
      messages: [{ role: "user", content: PROMPT }],
      max_tokens: maxTokens,
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
  expect(response.status).toBe(200);
  const tokens: number[] = [];
  const reader = response.body!.getReader();
  const ended = (async () => {
    const decoder = new TextDecoder();
    let text = "";
    let counted = 0;
    let cut = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        const complete = text.split("\n\n").slice(0, -1);
        for (const event of parseEventStream(complete.slice(counted).join("\n\n")).events) {
          if (deltaContent(event)) tokens.push(Date.now());
        }
        counted = complete.length;
      }
    } catch {
      cut = true;
    }
    const { events, done } = parseEventStream(text.slice(0, text.lastIndexOf("\n\n") + 2));
    const error = events.map((event) => (event as { error?: { message: string } }).error?.message).find(Boolean) ?? null;
    return { done, error, cut };
  })();
  return { requestId: response.headers.get("x-request-id")!, tokens, ended };
}

/** A plain (non-streamed) chat completion of `maxTokens` tokens; resolves with its status and body. */
async function plainRequest(origin: string, secret: string, maxTokens: number) {
  const response = await fetch(`${origin}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: model.id, messages: [{ role: "user", content: PROMPT }], max_tokens: maxTokens }),
  });
  const body = (await response.json()) as { usage?: { completion_tokens: number; prompt_tokens: number } };
  return {
    status: response.status,
    requestId: response.headers.get("x-request-id")!,
    retryAfter: response.headers.get("retry-after"),
    body,
    receivedAt: Date.now(),
  };
}

/** A streamed request refused before its stream began: its status, Retry-After and JSON error body. */
async function streamRefusal(origin: string, secret: string) {
  const response = await fetch(`${origin}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: model.id, messages: [{ role: "user", content: PROMPT }], max_tokens: 3, stream: true }),
  });
  return { status: response.status, retryAfter: response.headers.get("retry-after"), body: (await response.json()) as unknown };
}

async function tokensReceived(streams: WatchedStream[], atLeast: number): Promise<void> {
  await eventually(async () => expect(Math.min(...streams.map((s) => s.tokens.length))).toBeGreaterThanOrEqual(atLeast), 15_000);
}

function cost(inputTokens: number, outputTokens: number): bigint {
  return perMillion(inputTokens, INPUT_PRICE) + perMillion(outputTokens, OUTPUT_PRICE);
}

/** A request that ran to its end is billed for exactly the tokens its client received (a plain answer settles a moment after it is sent). */
async function expectBilledExactly(requestId: string, received: number) {
  const row = await requestLog(requestId);
  expect(row).toMatchObject({ status: "SUCCEEDED", outputTokens: received, inputTokens: upstreamPromptTokens([{ content: PROMPT }]) });
  expect(row.cost).toBe(cost(row.inputTokens, row.outputTokens));
  return row;
}

/** Nothing pending or held, balance = ledger, and the logged costs = the ledger's charges. */
async function expectBooksBalanced(userId: string): Promise<void> {
  await eventually(async () => expect(await db.requestLog.count({ where: { userId, status: "PENDING" } })).toBe(0), 5_000);
  const balance = await getBalance(userId);
  expect(balance.held).toBe(0n);
  expect(await ledgerTotal(userId)).toBe(balance.balance);
  const costs = await db.requestLog.aggregate({ where: { userId }, _sum: { cost: true } });
  const charges = await db.ledgerEntry.aggregate({ where: { userId, kind: "REQUEST_CHARGE" }, _sum: { amount: true } });
  expect(-(charges._sum.amount ?? 0n)).toBe(costs._sum.cost ?? 0n);
}

async function customer() {
  const user = await fundedUser("5.00", "faults");
  return { user, key: await newApiKey(user.id) };
}

function exitedYet(server: AppProcess): Promise<boolean> {
  return Promise.race([server.exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 0))]);
}

describe("settlement under faults", () => {
  // The scenarios share two server instances and run in order: the first instance is killed in
  // the first; the second outlives its database's outage and its Next.js child, then is stopped.
  let first: AppProcess;
  let second: AppProcess;

  beforeAll(async () => {
    first = await startServer();
    second = await startServer();
  }, 240_000);

  it("bills streams cut by SIGKILL from their last checkpoint, settled by the surviving instance within the lease", async () => {
    const { user, key } = await customer();
    const streams = await Promise.all(Array.from({ length: 4 }, () => openStream(first.url, key.secret, 200)));
    const plain = plainRequest(first.url, key.secret, 200).catch((error: unknown) => error);
    await tokensReceived(streams, 5);

    process.kill(first.pid, "SIGKILL");
    const killedAt = Date.now();
    await first.exited;
    const ends = await Promise.all(streams.map((s) => s.ended));
    expect(ends.every((end) => !end.done)).toBe(true);
    expect(await plain).toBeInstanceOf(Error);

    // The survivor's sweep settles them once the lease has run out, and the holds go with them.
    await eventually(async () => expect((await getBalance(user.id)).held).toBe(0n), LEASE_MS + 3 * SWEEP_EVERY_MS + 5_000);
    expect(Date.now() - killedAt).toBeLessThanOrEqual(LEASE_MS + 2 * SWEEP_EVERY_MS + 3_000);

    const rows = await db.requestLog.findMany({ where: { userId: user.id } });
    expect(rows).toHaveLength(5);
    for (const stream of streams) {
      const row = rows.find((r) => r.id === stream.requestId)!;
      expect(row).toMatchObject({ status: "CANCELLED", errorCode: "instance_lost" });
      // Billed from its last checkpoint: at most the unrecorded bound below the tokens received;
      // beyond them, only what the kill cut off in flight.
      expect(row.outputTokens).toBeGreaterThan(0);
      expect(row.outputTokens).toBeGreaterThanOrEqual(stream.tokens.length - UNRECORDED_OUTPUT_TOKENS);
      expect(row.outputTokens).toBeLessThanOrEqual(stream.tokens.length + 2);
      expect(row.inputTokens).toBeGreaterThan(0);
      expect(row.cost).toBe(cost(row.inputTokens, row.outputTokens));
    }
    // The plain request delivered nothing and costs nothing.
    const unanswered = rows.find((r) => !streams.some((s) => s.requestId === r.id))!;
    expect(unanswered).toMatchObject({ status: "CANCELLED", errorCode: "instance_lost", cost: 0n, outputTokens: 0 });
    await expectBooksBalanced(user.id);
  }, 120_000);

  it("answers held requests and holds streams at their unrecorded bound while PostgreSQL is down for 5 s, then completes and settles every request exactly", async () => {
    const { user, key } = await customer();
    // Longer than the outage lets them go on unrecorded: 5 s is 62 tokens' time.
    const streams = await Promise.all(Array.from({ length: 3 }, () => openStream(second.url, key.secret, 100)));
    const plains = Array.from({ length: 3 }, () => plainRequest(second.url, key.secret, 20));
    await tokensReceived(streams, 3);

    await postgres.stop();
    const downAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const upAt = Date.now();
    postgres = await startPostgres();

    const answers = await Promise.all(plains);
    const ends = await Promise.all(streams.map((s) => s.ended));
    expect(await exitedYet(second)).toBe(false);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      // Its hold was written before the outage: the answer goes out and its settlement waits for the database.
      expect(answer.receivedAt).toBeGreaterThan(downAt);
      expect(answer.receivedAt).toBeLessThan(upAt);
      await expectBilledExactly(answer.requestId, answer.body.usage!.completion_tokens);
    }
    for (const [i, stream] of streams.entries()) {
      expect(ends[i]).toEqual({ done: true, error: null, cut: false });
      expect(stream.tokens).toHaveLength(100);
      // While no checkpoint could be written the stream went on up to its bound, and waited there.
      const unrecorded = stream.tokens.filter((at) => at > downAt + 500 && at < upAt).length;
      expect(unrecorded).toBeGreaterThan(0);
      expect(unrecorded).toBeLessThanOrEqual(UNRECORDED_OUTPUT_TOKENS);
      await expectBilledExactly(stream.requestId, stream.tokens.length);
    }
    await expectBooksBalanced(user.id);
  }, 120_000);

  it("releases for nothing, once, an answer whose server was killed before its settlement could be written: the survivor's sweep settles it", async () => {
    const third = await startServer();
    const { user, key } = await customer();
    const pending = plainRequest(third.url, key.secret, 20);
    // Its hold is written; then the database goes, so that the answer goes out and its settlement waits.
    await eventually(async () => expect(await db.requestLog.count({ where: { userId: user.id, status: "PENDING" } })).toBe(1));
    await postgres.stop();
    const stoppedAt = Date.now();
    let answer: Awaited<typeof pending>;
    try {
      answer = await pending;
      expect(answer.status).toBe(200);
      expect(answer.receivedAt).toBeGreaterThan(stoppedAt);
      process.kill(third.pid, "SIGKILL");
      await third.exited;
    } finally {
      postgres = await startPostgres();
    }

    // Once the killed server's lease has run out, the survivor's sweep settles its request from its last checkpoint: none.
    await eventually(async () => expect((await getBalance(user.id)).held).toBe(0n), LEASE_MS + 3 * SWEEP_EVERY_MS + 10_000);
    const row = await db.requestLog.findUniqueOrThrow({ where: { id: answer.requestId } });
    expect(row).toMatchObject({ status: "CANCELLED", errorCode: "instance_lost", cost: 0n });
    await expectBooksBalanced(user.id);
    expect(await ledgerTotal(user.id)).toBe(5_000_000_000n);
  }, 120_000);

  it("answers requests that arrive while PostgreSQL is down with 503 and Retry-After, charges nothing, and serves them once it is back", async () => {
    const { user, key } = await customer();
    // One key seen moments ago (the server may take it from its cache), one it has never seen.
    expect((await plainRequest(second.url, key.secret, 3)).status).toBe(200);
    const unseen = await newApiKey(user.id);

    await postgres.stop();
    try {
      const refused = [
        await plainRequest(second.url, key.secret, 3),
        await plainRequest(second.url, unseen.secret, 3),
        await streamRefusal(second.url, key.secret),
      ];
      for (const answer of refused) {
        expect(answer.status).toBe(503);
        expect(answer.retryAfter).toBe("2");
        expect(answer.body).toMatchObject({ error: { type: "server_error", code: "service_unavailable" } });
        expect(JSON.stringify(answer.body)).toContain("nothing was charged");
      }
    } finally {
      postgres = await startPostgres();
    }

    for (const secret of [key.secret, unseen.secret]) {
      const answer = await eventually(async () => {
        const served = await plainRequest(second.url, secret, 3);
        expect(served.status).toBe(200);
        return served;
      }, 30_000);
      await expectBilledExactly(answer.requestId, 3);
    }
    // The operator sees the refusals in /metrics (no key could be read for them: model "").
    const metrics = parsePrometheusTextFormat(await (await fetch(`${second.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text());
    const unavailable = metrics
      .find((family) => family.name === "ecolink_requests_total")
      ?.metrics.filter((sample) => sample.labels?.model === "" && sample.labels?.status === "503")
      .reduce((sum, sample) => sum + Number(sample.value), 0);
    expect(unavailable).toBe(3);
    await expectBooksBalanced(user.id);
    // Only the three answered requests were charged.
    expect(await db.requestLog.count({ where: { userId: user.id, cost: { gt: 0n } } })).toBe(3);
  }, 120_000);

  it("keeps API streams going when the Next.js child is killed, and the console answers again once it is restarted", async () => {
    const { user, key } = await customer();
    const streams = await Promise.all(Array.from({ length: 2 }, () => openStream(second.url, key.secret, 30)));
    await tokensReceived(streams, 3);
    // A child that exited and is not yet reaped (state Z) is listed too; it is not one to kill.
    const listing = execFileSync("ps", ["-o", "pid=,stat=,args=", "--ppid", String(second.pid)], { encoding: "utf8" });
    const children = listing
      .split("\n")
      .map((line) => line.trim().split(/\s+/))
      .filter(([pid, stat]) => pid && !stat?.startsWith("Z"))
      .map(([pid]) => Number(pid));
    expect(children, listing).toHaveLength(1);

    process.kill(children[0]!, "SIGKILL");

    const ends = await Promise.all(streams.map((s) => s.ended));
    for (const [i, stream] of streams.entries()) {
      expect(ends[i]).toEqual({ done: true, error: null, cut: false });
      expect(stream.tokens).toHaveLength(30);
      await expectBilledExactly(stream.requestId, stream.tokens.length);
    }
    await expectBooksBalanced(user.id);
    expect(await exitedYet(second)).toBe(false);
    await eventually(async () => expect((await fetch(`${second.url}/api/health`)).status).toBe(200), 90_000);
  }, 150_000);

  it("drains on SIGTERM: short streams finish, a longer one is ended and billed for what it delivered, then exits 0", async () => {
    const { user, key } = await customer();
    const short = await Promise.all(Array.from({ length: 2 }, () => openStream(second.url, key.secret, 20)));
    const long = await openStream(second.url, key.secret, 400);
    await tokensReceived([...short, long], 2);

    process.kill(second.pid, "SIGTERM");
    const signalledAt = Date.now();
    await eventually(async () => expect(fetch(`${second.url}/v1/models`)).rejects.toThrow(), 5_000);

    const shortEnds = await Promise.all(short.map((s) => s.ended));
    for (const [i, stream] of short.entries()) {
      expect(shortEnds[i]).toEqual({ done: true, error: null, cut: false });
      await expectBilledExactly(stream.requestId, 20);
    }
    const longEnd = await long.ended;
    expect(longEnd).toMatchObject({ done: false, cut: false });
    expect(longEnd.error).toMatch(/restarting/);
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(GRACE_MS - 500);

    expect(await second.exited).toEqual({ code: 0, signal: null });
    // Exited only once everything had settled: nothing pending, nothing held.
    const row = await db.requestLog.findUniqueOrThrow({ where: { id: long.requestId } });
    expect(row).toMatchObject({ status: "CANCELLED", errorCode: "shutdown", outputTokens: long.tokens.length });
    expect(long.tokens.length).toBeLessThan(400);
    expect(row.cost).toBe(cost(row.inputTokens, row.outputTokens));
    await expectBooksBalanced(user.id);
  }, 120_000);
});
