// What a crash of PostgreSQL does to the books, for real: the production server serves metered
// requests on a database with fsync on while Stripe-style credits land beside them; every
// PostgreSQL process is then killed with SIGKILL at once (a power cut, as far as the database
// can tell), and the server is started again on the same data directory (crash recovery).
//
// Reserve and settle commit without waiting for their WAL flush (lib/credits/reservations.ts), so
// the crash loses the last of them; everything else commits durably, and its flush makes every
// commit before it durable too. To make the losses certain rather than likely, the database's WAL
// writer is slowed (wal_writer_delay at its 10 s maximum, autovacuum off) and the last phase runs
// right after a lease renewal: a durable credit lands while some requests are between reserve and
// settle, so their holds survive and their settlements are lost; requests begun after it lose
// their reserve too — except streams whose first checkpoint committed before the crash, making
// their reserve durable: they go on after the outage and are billed in full. After
// recovery: every credit acknowledged before the crash is in the ledger, balance = ledger for
// every user, no request is billed twice or more than it was answered for, and no hold is left —
// the lost settlements are settled by the serving process's own sweep.
import { execFileSync } from "node:child_process";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getBalance, ledgerTotal, recordCreditMovement } from "@/lib/credits/ledger";
import { perMillion } from "@/lib/credits/money";
import { reserveCredit, settleRequest } from "@/lib/credits/reservations";
import { db } from "@/lib/db";
import { seedDatabase } from "../../prisma/seed";
import { freePort, startEmbeddedPostgres, type RunningPostgres } from "../../scripts/lib/embedded-postgres";
import { applyMigrations } from "../../scripts/lib/migrations";
import { type AppProcess, startAppOn } from "../support/stack";
import { startUpstreamServer, type UpstreamServer } from "../support/upstream-server";
import { eventually, fundedUser, newApiKey, registerUpstreamModel, type TestModel } from "../support/v1-fixtures";

// Long, so that the last phase fits between two durable commits of the server's own: its lease is
// renewed every fifth of it and by each sweep, every third of it — at least a fifteenth apart,
// unless the two fall together.
const LEASE_MS = 120_000;
/** When the sweep that settles lost settlements comes round at the latest, with room for a loaded machine. */
const SWEEP_WITHIN_MS = LEASE_MS / 3 + 20_000;
const METRICS_TOKEN = "postgres-crash-metrics";
const INPUT_PRICE = 1_000_000_000n;
const OUTPUT_PRICE = 10_000_000_000n;
/** The slow model answers after this long: its requests are still open when the database dies. */
const SLOW_TOKEN_DELAY_MS = 8_000;
/** The medium model answers after this long: the durable credit lands while its requests are open. */
const MEDIUM_TOKEN_DELAY_MS = 1_500;
/** Streams that pause after their first token: the database dies and comes back in the pause. */
const PAUSING_STREAM_TOKENS = 3;

let tmp: string;
let dataDir: string;
let postgres: RunningPostgres;
let postgresPort: number;
let upstream: UpstreamServer;
let fast: TestModel;
let medium: TestModel;
let slow: TestModel;
/** Streams whose first token comes at once, then pause. */
let pausing: TestModel;
let server: AppProcess | undefined;

async function startPostgres(): Promise<RunningPostgres> {
  // Persistent, hence fsync on: the data must outlive the crash as it would on a production disk.
  return startEmbeddedPostgres({ dataDir, port: postgresPort, persistent: true, quiet: true });
}

/** SIGKILL for the postmaster and every backend at the same instant: nothing gets to write another byte. */
async function crashPostgres(): Promise<void> {
  const postmaster = Number((await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0]);
  const children = execFileSync("ps", ["-o", "pid=", "--ppid", String(postmaster)], { encoding: "utf8" })
    .split("\n")
    .map(Number)
    .filter(Boolean);
  const all = [postmaster, ...children];
  // Stopped first, so that none sees another die and reacts (the postmaster would start a recovery of its own).
  for (const pid of all) process.kill(pid, "SIGSTOP");
  for (const pid of all) process.kill(pid, "SIGKILL");
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "ecolink-crash-"));
  // The cluster lives inside: the postgres user (when we are root) must be able to enter it.
  await chmod(tmp, 0o755);
  dataDir = path.join(tmp, "pg");
  postgresPort = await freePort();
  postgres = await startPostgres();
  await postgres.createDatabase("ecolink_crash");
  const databaseUrl = postgres.url("ecolink_crash");
  // This file's own database: set before lib/db first connects, so the fixtures below write there.
  process.env.DATABASE_URL = databaseUrl;
  await applyMigrations(databaseUrl);
  await seedDatabase(databaseUrl);
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query("ALTER SYSTEM SET wal_writer_delay = '10s'");
  await admin.query("ALTER SYSTEM SET autovacuum = off");
  await admin.query("SELECT pg_reload_conf()");
  await admin.end();

  upstream = await startUpstreamServer();
  fast = await registerUpstreamModel(upstream, "CHAT", { inputPrice: INPUT_PRICE, outputPrice: OUTPUT_PRICE });
  medium = await registerUpstreamModel(upstream, "CHAT", { inputPrice: INPUT_PRICE, outputPrice: OUTPUT_PRICE });
  upstream.behave(medium.upstreamModel, { tokenDelayMs: MEDIUM_TOKEN_DELAY_MS });
  slow = await registerUpstreamModel(upstream, "CHAT", { inputPrice: INPUT_PRICE, outputPrice: OUTPUT_PRICE });
  upstream.behave(slow.upstreamModel, { tokenDelayMs: SLOW_TOKEN_DELAY_MS });
  pausing = await registerUpstreamModel(upstream, "CHAT", { inputPrice: INPUT_PRICE, outputPrice: OUTPUT_PRICE });
  upstream.behave(pausing.upstreamModel, { pauseAfterFirstTokenMs: SLOW_TOKEN_DELAY_MS });

  server = await startAppOn(
    { databaseUrl },
    {
      INSTANCE_LEASE_MS: String(LEASE_MS),
      METRICS_TOKEN,
    },
  );
}, 240_000);

afterAll(async () => {
  if (server) process.kill(server.pid, "SIGKILL");
  await upstream?.close();
  await db.$disconnect();
  await postgres?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
}, 60_000);

interface Answer {
  status: number;
  requestId: string;
  /** The charge the usage in the answer comes to (0 for an answer without usage). */
  charge: bigint;
  body: string;
}

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

/** What `usage` comes to at the test models' prices. */
function chargeFor(usage: Usage): bigint {
  return perMillion(usage.prompt_tokens, INPUT_PRICE) + perMillion(usage.completion_tokens, OUTPUT_PRICE);
}

function postChat(secret: string, body: object): Promise<Response> {
  return fetch(`${server!.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "user", content: "Say something" }], ...body }),
  });
}

async function chat(secret: string, model: TestModel, stream: boolean, maxTokens: number): Promise<Answer> {
  const response = await postChat(secret, { model: model.id, max_tokens: maxTokens, stream });
  const text = await response.text();
  const charge = !stream && response.status === 200 ? chargeFor((JSON.parse(text) as { usage: Usage }).usage) : 0n;
  return { status: response.status, requestId: response.headers.get("x-request-id")!, charge, body: text };
}

const CONTENT_TOKEN = /"content":"[^"]/;

/**
 * A stream with usage asked for, read as it comes: `delivering` resolves once its first content
 * token has reached us, `answer` at its end, charged what its usage chunk (if it came) comes to.
 */
function openStream(secret: string, model: TestModel, maxTokens: number): { delivering: Promise<void>; answer: Promise<Answer> } {
  let delivered: () => void = () => undefined;
  const delivering = new Promise<void>((resolve) => (delivered = resolve));
  const answer = (async (): Promise<Answer> => {
    const response = await postChat(secret, { model: model.id, max_tokens: maxTokens, stream: true, stream_options: { include_usage: true } });
    const decoder = new TextDecoder();
    let body = "";
    for await (const bytes of response.body!) {
      body += decoder.decode(bytes, { stream: true });
      if (CONTENT_TOKEN.test(body)) delivered();
    }
    const usage = body
      .split("\n")
      .filter((line) => line.startsWith("data: {"))
      .map((line) => (JSON.parse(line.slice(6)) as { usage?: Usage | null }).usage)
      .find((u) => u);
    return { status: response.status, requestId: response.headers.get("x-request-id")!, charge: usage ? chargeFor(usage) : 0n, body };
  })();
  // A stream that ends before its first token must fail the test, not leave it waiting.
  return { delivering: Promise.race([delivering, answer.then(() => undefined)]), answer };
}

/** Resolves once `count` requests for `model` are logged PENDING (their reserves have committed). */
async function reserved(model: TestModel, count: number): Promise<void> {
  await eventually(async () => expect(await db.requestLog.count({ where: { modelId: model.id, status: "PENDING" } })).toBe(count));
}

/**
 * Resolves right after a renewal of the server's lease that no other follows at once (a renewal
 * and a sweep can fall together): the next is then at least a fifteenth of the lease away.
 */
async function justRenewed(): Promise<void> {
  const latest = async () => (await db.gatewayInstance.findMany({ select: { heartbeatAt: true } })).map((row) => row.heartbeatAt.getTime()).join();
  for (;;) {
    const before = await latest();
    await eventually(async () => expect(await latest()).not.toBe(before), LEASE_MS);
    const renewed = await latest();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    if ((await latest()) === renewed) return;
  }
}

async function inFlightGauge(): Promise<number> {
  const text = await (await fetch(`${server!.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  const line = text.split("\n").find((l) => l.startsWith("ecolink_requests_in_flight "));
  return Number(line?.split(" ")[1]);
}

describe("a kill -9 of PostgreSQL under metered traffic", () => {
  it("loses at most the last metering commits, and recovery leaves the books exact: credits kept, balance = ledger, nothing billed twice, no hold left", async () => {
    const customers = await Promise.all(
      Array.from({ length: 3 }, async (_, i) => {
        const user = await fundedUser("5.00", `crash${i}`);
        return { user, key: await newApiKey(user.id) };
      }),
    );

    // Traffic with Stripe-style credits landing beside it: each credit acknowledged is durable.
    const credits: { userId: string; reference: string }[] = [];
    const traffic = async (count: number, withCredits: boolean): Promise<Answer[]> => {
      const answers: Answer[] = [];
      await Promise.all(
        customers.map(async ({ user, key }, c) => {
          for (let i = 0; i < count; i++) {
            answers.push(await chat(key.secret, fast, false, 5));
            if (withCredits && i % 3 === 0) {
              const reference = `crash-test-top-up:${user.id}:${c}:${i}`;
              await recordCreditMovement({ userId: user.id, kind: "TOP_UP", amount: 10_000_000n, reference, description: "Top-up" });
              credits.push({ userId: user.id, reference });
            }
          }
        }),
      );
      return answers;
    };
    const durable = await traffic(12, true);

    // The renewal's durable commit makes everything before it durable, the traffic above included.
    await justRenewed();
    // The WAL writer's cycle starts again on a reload: its next write is ten seconds away.
    await db.$queryRaw`SELECT pg_reload_conf()`;
    const settlingLost = customers.flatMap(({ key }) => [chat(key.secret, medium, false, 1), chat(key.secret, medium, false, 1)]);
    await reserved(medium, settlingLost.length);
    // The credit goes through a pool that has just run metering statements in this process: their
    // commit setting must end with their own transactions, not stay on the connection.
    const payer = customers[0]!.user.id;
    const metered = await reserveCredit({
      userId: payer,
      apiKeyId: null,
      modelId: fast.id,
      endpoint: "/v1/chat/completions",
      source: "API",
      amount: 1_000_000n,
    });
    await settleRequest(metered, { status: "SUCCEEDED", cost: 400_000n });
    const reference = `crash-test-top-up:${payer}:last`;
    await recordCreditMovement({ userId: payer, kind: "TOP_UP", amount: 10_000_000n, reference, description: "Top-up" });
    credits.push({ userId: payer, reference });
    // Begun after it, their first token delivered and checkpointed: the checkpoint made their hold durable.
    const delivering = customers.map(({ key }) => openStream(key.secret, pausing, PAUSING_STREAM_TOKENS));
    await Promise.all(delivering.map((s) => s.delivering));
    await eventually(async () =>
      expect(await db.requestLog.count({ where: { modelId: pausing.id, status: "PENDING", checkpointOutputTokens: { gt: 0 } } })).toBe(delivering.length),
    );
    // Requests still open when the database dies: plain ones and streams waiting for their first token.
    const openPlain = customers.map(({ key }) => chat(key.secret, slow, false, 1));
    const openStreams = customers.map(({ key }) => chat(key.secret, slow, true, 2));
    await reserved(slow, openPlain.length + openStreams.length);
    const settledThenLost = await Promise.all(settlingLost);
    // The last burst commits nothing durably: it is what the crash loses, reserves and all.
    const whollyLost = await traffic(4, false);
    await crashPostgres();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    postgres = await startPostgres();

    const latePlain = await Promise.all(openPlain);
    const lateStreams = await Promise.all(openStreams);
    const wentOn = await Promise.all(delivering.map((s) => s.answer));
    for (const answer of [...durable, ...settledThenLost, ...whollyLost, ...latePlain]) expect(answer.status).toBe(200);

    // The process's own sweep settles what the crash unsettled; nothing stays held.
    const userIds = customers.map(({ user }) => user.id);
    await eventually(async () => {
      expect(await db.requestLog.count({ where: { userId: { in: userIds }, status: "PENDING" } })).toBe(0);
      for (const userId of userIds) expect((await getBalance(userId)).held).toBe(0n);
    }, SWEEP_WITHIN_MS);

    // Every credit acknowledged before the crash is still there.
    const kept = await db.ledgerEntry.findMany({ where: { reference: { in: credits.map((c) => c.reference) } }, select: { reference: true } });
    expect(kept.map((entry) => entry.reference).sort()).toEqual(credits.map((c) => c.reference).sort());

    // Each request is billed what its answer said, once, or — its settlement or its reserve lost —
    // nothing: never more, never twice.
    const rows = await db.requestLog.findMany({ where: { userId: { in: userIds } } });
    const charges = await db.ledgerEntry.findMany({ where: { userId: { in: userIds }, kind: "REQUEST_CHARGE" } });
    const record = (answer: Answer) => ({
      row: rows.find((r) => r.id === answer.requestId),
      charged: charges.filter((entry) => entry.reference === `request:${answer.requestId}`).map((entry) => entry.amount),
    });
    for (const answer of durable) {
      const { row, charged } = record(answer);
      expect(row).toMatchObject({ status: "SUCCEEDED", cost: answer.charge });
      expect(charged).toEqual([-answer.charge]);
    }
    expect(record({ requestId: metered.requestId, status: 200, charge: 400_000n, body: "" })).toMatchObject({
      row: { status: "SUCCEEDED", cost: 400_000n },
      charged: [-400_000n],
    });
    // Held before the durable credit, settled after it: the hold survived, the settlement didn't,
    // and the sweep released it for nothing.
    for (const answer of settledThenLost) {
      const { row, charged } = record(answer);
      expect(row).toMatchObject({ status: "CANCELLED", errorCode: "settlement_lost", cost: 0n });
      expect(charged).toEqual([]);
    }
    // Reserved after it: never held, as far as the books go — served unbilled, including the
    // plain requests whose settlement was retried through the outage.
    for (const answer of [...whollyLost, ...latePlain]) expect(record(answer)).toEqual({ row: undefined, charged: [] });
    // A stream whose reserve was lost goes on no further than its first checkpoint, which finds no
    // hold: its first token (within its unrecorded bound) went out unbilled, then it ended.
    for (const answer of lateStreams) {
      expect(record(answer)).toEqual({ row: undefined, charged: [] });
      expect(answer.body).toMatch(/interrupted by a gateway restart/);
      expect(answer.body.match(new RegExp(CONTENT_TOKEN, "g"))).toHaveLength(1);
    }
    // A stream whose first checkpoint had committed kept its hold through the crash (checkpoints
    // are durable, and so made its reserve durable): it goes on after the outage to its end, and
    // is billed once for all it delivered.
    for (const answer of wentOn) {
      expect(answer.status).toBe(200);
      expect(answer.body).toMatch(/data: \[DONE\]\n\n$/);
      expect(answer.charge).toBeGreaterThan(0n);
      const { row, charged } = record(answer);
      expect(row).toMatchObject({ status: "SUCCEEDED", cost: answer.charge, outputTokens: PAUSING_STREAM_TOKENS });
      expect(charged).toEqual([-answer.charge]);
    }

    for (const { user, key } of customers) {
      const balance = await getBalance(user.id);
      expect(await ledgerTotal(user.id)).toBe(balance.balance);
      const costs = rows.filter((r) => r.userId === user.id).reduce((sum, r) => sum + r.cost, 0n);
      const billed = charges.filter((entry) => entry.userId === user.id).reduce((sum, entry) => sum - entry.amount, 0n);
      expect(billed).toBe(costs);
      const apiKey = await db.apiKey.findUniqueOrThrow({ where: { id: key.id } });
      expect(apiKey.held).toBe(0n);
      expect(apiKey.spent).toBe(rows.filter((r) => r.apiKeyId === key.id).reduce((sum, r) => sum + r.cost, 0n));
    }
    // Nothing is left open in the server either (a stream whose reserve was lost included).
    await eventually(async () => expect(await inFlightGauge()).toBe(0));
  }, 300_000);
});
