// Reserve-then-settle: before a provider is called, the most a request can cost is held against the
// user's balance (and the key's spend limit) by a conditional UPDATE, so no number of concurrent
// requests can overspend; when the request ends it is settled to its real cost and the rest released.
// A request is logged with the gateway process serving it; a stream checkpoints what it has
// delivered on its row before delivering it, so that a request whose process died is settled by
// another from that checkpoint (settleRequestsOfLostInstances) instead of for free.
import "server-only";
import { newRequestId } from "@/lib/http/request-id";
import { db, runPrepared, type PreparedStatement } from "@/lib/db";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import type { RequestSource, RequestStatus } from "@/lib/generated/prisma/enums";
import { type BatchWrite, writeForAccount } from "@/lib/credits/account-write-slots";
import { formatUsd } from "@/lib/credits/money";
import { metrics } from "@/lib/metrics";

export interface ReservationRequest {
  userId: string;
  apiKeyId: string | null;
  modelId: string;
  endpoint: string;
  source: RequestSource;
  /** The most this request can cost, in nano-dollars. */
  amount: bigint;
  requestId?: string;
  /**
   * The gateway process serving the request (GatewayInstance.id), whose lease covers it. The
   * gateway always names it; without one a PENDING request is only swept after hours.
   */
  instanceId?: string;
}

export interface Reservation {
  requestId: string;
  userId: string;
  apiKeyId: string | null;
  amount: bigint;
  /** The account's credit neither spent nor held once this hold was taken. */
  spare: bigint;
}

export interface RequestOutcome {
  status: Exclude<RequestStatus, "PENDING">;
  /** Real cost in nano-dollars; capped at the reservation. Failed requests cost nothing (but see deliveredBeforeFailing). */
  cost: bigint;
  /** A FAILED stream that delivered output before its upstream failed: it pays `cost` for that output. */
  deliveredBeforeFailing?: boolean;
  inputTokens?: number;
  outputTokens?: number;
  images?: number;
  audioSeconds?: number;
  inputCharacters?: number;
  /** The backend reported no usage and the tokens were counted here instead. */
  usageCounted?: boolean;
  latencyMs?: number;
  ttftMs?: number | null;
  httpStatus?: number;
  errorCode?: string | null;
  /** Upstream endpoints tried, failed failover attempts included (they cost nothing). */
  upstreamAttempts?: number;
  /** The name of the upstream endpoint that answered. */
  upstreamEndpoint?: string | null;
}

export interface Settlement {
  cost: bigint;
  balanceAfter: bigint;
  /** The balance left is under the owner's auto-recharge threshold (lib/billing/auto-recharge decides whether one is already running). */
  autoRechargeDue: boolean;
}

// Reserve and settle are each ONE statement: atomic without an interactive transaction, and a
// single round trip on the gateway's hot path. The writes of one account that would wait for each
// other go together (lib/credits/account-write-slots.ts), each still judged on its own, in order, by
// the functions "ecolink_reserve_credit" and "ecolink_settle_requests", which run the one-request
// functions "ecolink_reserve_one" and "ecolink_settle_one" for each (prisma/migrations); row
// locks serialise concurrent requests of one user (and one key), and PostgreSQL re-checks each
// condition against the latest row after waiting for a lock, so the conditions hold at the moment
// of the write.
//
// They commit without waiting for their WAL to reach the disk: synchronous_commit is off for their
// own transaction only (a session-wide SET would leak to the pool's other users, Stripe credits
// among them). A database crash can lose the last of them — up to three wal_writer_delay's worth —
// each whole: a lost reserve was never held (its request is served unbilled), a lost settlement
// leaves its hold PENDING for settleLostSettlements (metering.ts), which settles it from its last
// checkpoint. Every other write here and every other movement of money commits durably, and its
// flush makes every metering commit before it durable too (WAL is replayed in order). The README's
// "What a crash can lose" says why that is acceptable.

/** A metering write's two forms: for one request, and for several of one account in one statement. */
interface MeteringStatement {
  write: MeteringWrite;
  one: PreparedStatement;
  batch: PreparedStatement;
}

/** The metering writes, as /metrics names them. */
type MeteringWrite = "reserve" | "settle" | "checkpoint";

/**
 * Runs a metering statement and records its round trip (ecolink_metering_write_duration_seconds):
 * every request waits for its reserve before it answers, so an operator must see when PostgreSQL
 * is what requests wait for.
 */
async function timedWrite<Row extends object>(write: MeteringWrite, statement: PreparedStatement, values: readonly unknown[]): Promise<Row[]> {
  const done = metrics().meteringWriteDuration.startTimer({ write });
  try {
    return await runPrepared<Row>(statement, values);
  } finally {
    done();
  }
}

/**
 * Runs `statement` for `items`: one alone goes as the statement for one request with its fields as
 * they are, which costs PostgreSQL less than the batch function's loop around that same statement
 * (it is the common case, and on every request's path); several go as the batch, one array per field.
 */
function runMeteringWrite<Row extends object, Item>(
  statement: MeteringStatement,
  items: readonly Item[],
  fields: (item: Item) => unknown[],
  around: { before?: unknown[]; after?: unknown[] } = {},
): Promise<Row[]> {
  const rows = items.map(fields);
  const [first = []] = rows;
  const values = rows.length === 1 ? first : first.map((_, field) => rows.map((row) => row[field]));
  return timedWrite<Row>(statement.write, rows.length === 1 ? statement.one : statement.batch, [...(around.before ?? []), ...values, ...(around.after ?? [])]);
}

const RESERVE: MeteringStatement = {
  write: "reserve",
  one: {
    name: "reserve_credit_one",
    text: `SELECT "requestId", "spare", "keyLive", "keyWithinLimit"
      FROM "ecolink_reserve_one"($1::text, $2::text, $3::bigint, $4::text, $5::text, $6::text, $7::text, $8::text, $9::integer)`,
  },
  batch: {
    name: "reserve_credit",
    text: `SELECT "requestId", "spare", "keyLive", "keyWithinLimit"
      FROM "ecolink_reserve_credit"($1::text, $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::integer)`,
  },
};

/** What the reserve function answers for one request: spare null when the hold was not taken. */
interface ReserveAnswer {
  requestId: string;
  spare: string | null;
  keyLive: boolean;
  keyWithinLimit: boolean;
}

type HoldRequest = ReservationRequest & { requestId: string };

/** Holds for requests of one account, each judged alone, in order: one answer per request. */
const reserveForAccount: BatchWrite<HoldRequest, ReserveAnswer | null> = async (userId, requests) => {
  const answers = await runMeteringWrite<ReserveAnswer, HoldRequest>(
    RESERVE,
    requests,
    (r) => [r.apiKeyId, r.amount.toString(), r.requestId, r.modelId, r.endpoint, r.source, r.instanceId ?? null],
    { before: [userId], after: [env().ACCOUNT_MAX_CONCURRENT_REQUESTS] },
  );
  return inOrderOf(requests, answers);
};

/**
 * Holds `amount` against the user's available credit and, for an API key with a spend limit,
 * against what the key may still spend, and logs the request as PENDING — all or nothing. An API
 * key is checked to be neither revoked nor expired in the same step (unauthenticated, 401).
 */
export async function reserveCredit(request: ReservationRequest): Promise<Reservation> {
  const requestId = request.requestId ?? newRequestId();
  const outcome = await writeForAccount(request.userId, reserveForAccount, { ...request, requestId });
  if (outcome && !outcome.keyLive) throw new DomainError("unauthenticated", "This API key has been revoked or has expired.");
  if (outcome && !outcome.keyWithinLimit) {
    throw new DomainError("key_limit_reached", `This API key has reached its spend limit (this request may cost up to ${formatUsd(request.amount)}).`);
  }
  // No spare credit reported: the hold was not taken.
  if (!outcome || outcome.spare === null) {
    await refuseIfTooManyInFlight(request.userId);
    throw new DomainError(
      "insufficient_quota",
      `You don't have enough credit for this request (it may cost up to ${formatUsd(request.amount)}). Add credit on the Billing page.`,
    );
  }
  return { requestId, userId: request.userId, apiKeyId: request.apiKeyId, amount: request.amount, spare: BigInt(outcome.spare) };
}

/** Tells a refusal for too many requests in flight (429) from one for credit (402), after the fact. */
async function refuseIfTooManyInFlight(userId: string): Promise<void> {
  const limit = env().ACCOUNT_MAX_CONCURRENT_REQUESTS;
  const [row] = await db.$queryRaw<{ inFlight: number }[]>`SELECT "ecolink_requests_in_flight"(${userId}) AS "inFlight"`;
  if ((row?.inFlight ?? 0) < limit) return;
  throw new DomainError(
    "rate_limited",
    `Too many requests in flight: your account may have at most ${limit} requests running at once, across all its API keys. Wait for one to finish, then try again.`,
    { retryAfterSeconds: 1 },
  );
}

const SETTLE: MeteringStatement = {
  write: "settle",
  one: {
    name: "settle_request_one",
    text: `SELECT "requestId", "cost", "balanceAfter", "autoRechargeDue"
      FROM "ecolink_settle_one"($1::text, $2::text, $3::bigint, $4::integer, $5::integer, $6::integer, $7::double precision,
        $8::integer, $9::integer, $10::integer, $11::text, $12::integer, $13::boolean, $14::integer, $15::text)`,
  },
  batch: {
    name: "settle_requests",
    text: `SELECT "requestId", "cost", "balanceAfter", "autoRechargeDue"
      FROM "ecolink_settle_requests"($1::text[], $2::text[], $3::bigint[], $4::integer[], $5::integer[], $6::integer[], $7::double precision[],
        $8::integer[], $9::integer[], $10::integer[], $11::text[], $12::integer[], $13::boolean[], $14::integer[], $15::text[])`,
  },
};

/** A request to settle: null cost and tokens settle it from its last checkpoint. */
interface SettleOrder {
  requestId: string;
  outcome: RequestOutcome;
  usage: { cost: bigint | null; inputTokens: number | null; outputTokens: number | null };
}

/** Settles requests of one account, each once only: the settlement of each, or null for one settled already. */
const settleForAccount: BatchWrite<SettleOrder, Settlement | null> = (_userId, orders) => settleOrders(orders);

async function settleOrders(orders: SettleOrder[]): Promise<(Settlement | null)[]> {
  const rows = await runMeteringWrite<{ requestId: string; cost: string; balanceAfter: string; autoRechargeDue: boolean }, SettleOrder>(SETTLE, orders, (o) => [
    o.requestId,
    o.outcome.status,
    o.usage.cost?.toString() ?? null,
    o.usage.inputTokens,
    o.usage.outputTokens,
    o.outcome.images ?? 0,
    o.outcome.audioSeconds ?? 0,
    o.outcome.latencyMs ?? null,
    o.outcome.ttftMs ?? null,
    o.outcome.httpStatus ?? null,
    o.outcome.errorCode ?? null,
    o.outcome.inputCharacters ?? 0,
    o.outcome.usageCounted ?? false,
    o.outcome.upstreamAttempts ?? 0,
    o.outcome.upstreamEndpoint ?? null,
  ]);
  return inOrderOf(orders, rows).map((row) =>
    row ? { cost: BigInt(row.cost), balanceAfter: BigInt(row.balanceAfter), autoRechargeDue: row.autoRechargeDue } : null,
  );
}

/** Each item's row, by request id, in the items' order: null where the statement returned none. */
function inOrderOf<Row extends { requestId: string }>(items: readonly { requestId: string }[], rows: readonly Row[]): (Row | null)[] {
  const byId = new Map(rows.map((row) => [row.requestId, row]));
  return items.map((item) => byId.get(item.requestId) ?? null);
}

/**
 * Settles a reservation exactly once: completes the request log, releases the hold, debits the
 * real cost (capped at the reservation, so the balance can't go below zero) with its ledger entry,
 * and adds it to the key's spend. A second call for the same request changes nothing (null).
 */
export async function settleRequest(request: { requestId: string; userId: string }, outcome: RequestOutcome): Promise<Settlement | null> {
  const usage = { cost: chargeBeforeCap(outcome), inputTokens: outcome.inputTokens ?? 0, outputTokens: outcome.outputTokens ?? 0 };
  return writeForAccount(request.userId, settleForAccount, { requestId: request.requestId, outcome, usage });
}

/**
 * What settling `outcome` charges before the settle statement caps it at the request's hold: its
 * cost, never below nothing, and nothing for a failure that delivered nothing.
 */
export function chargeBeforeCap(outcome: RequestOutcome): bigint {
  return (outcome.status === "FAILED" && !outcome.deliveredBeforeFailing) || outcome.cost < 0n ? 0n : outcome.cost;
}

/** What a request whose process was lost is settled with: its last checkpoint (nothing if none). */
export type CheckpointOutcome = Omit<RequestOutcome, "cost" | "inputTokens" | "outputTokens">;

/**
 * Settles a request for what its last checkpoint recorded as delivered (nothing, if it has none),
 * exactly once, like settleRequest. The sweeps call it, off the hot path, one request at a time.
 */
export async function settleFromCheckpoint(requestId: string, outcome: CheckpointOutcome): Promise<Settlement | null> {
  const [settlement] = await settleOrders([{ requestId, outcome: { ...outcome, cost: 0n }, usage: { cost: null, inputTokens: null, outputTokens: null } }]);
  return settlement ?? null;
}

export interface DeliveryCheckpoint {
  requestId: string;
  inputTokens: number;
  outputTokens: number;
  /** Nano-dollars the delivered usage costs; capped at the reservation like a settlement. */
  cost: bigint;
}

const CHECKPOINT: PreparedStatement = {
  name: "checkpoint_requests",
  // $1 request ids, $2 input tokens, $3 output tokens, $4 costs: one row per request, in one statement
  // for every stream of the process with something to deliver. It answers with the few it could
  // not write rather than the many it wrote: a flush carries every open stream, and reading back
  // a row for each of them cost the gateway more than the update did. Its rows are locked in id
  // order, the order in which a batch of settlements locks them ("ecolink_settle_requests"): in
  // any other order, a flush and a batch holding one row each of the other's could wait for each
  // other until PostgreSQL ended one as a deadlock.
  text: `
    WITH checkpoint AS (
      SELECT * FROM unnest($1::text[], $2::integer[], $3::integer[], $4::bigint[]) AS c("id", "inputTokens", "outputTokens", "cost")
    ), pending AS (
      SELECT c.* FROM "RequestLog" AS r JOIN checkpoint AS c ON c."id" = r."id"
      WHERE r."status" = 'PENDING'
      ORDER BY r."id" FOR UPDATE OF r
    ), written AS (
      UPDATE "RequestLog" AS r SET
        "checkpointInputTokens" = p."inputTokens",
        "checkpointOutputTokens" = p."outputTokens",
        "checkpointCost" = LEAST(p."cost", r."reserved"),
        "checkpointAt" = now()
      FROM pending AS p
      WHERE r."id" = p."id"
      RETURNING r."id"
    )
    SELECT c."id" FROM checkpoint AS c WHERE c."id" NOT IN (SELECT "id" FROM written)`,
};

/**
 * Records what each request has delivered so far on its PENDING log row. Returns the ids it could
 * not write: requests settled already (by a sweep, once their process's lease ran out).
 */
export async function checkpointRequests(checkpoints: readonly DeliveryCheckpoint[]): Promise<Set<string>> {
  const rows = await timedWrite<{ id: string }>("checkpoint", CHECKPOINT, [
    checkpoints.map((c) => c.requestId),
    checkpoints.map((c) => c.inputTokens),
    checkpoints.map((c) => c.outputTokens),
    checkpoints.map((c) => c.cost.toString()),
  ]);
  return new Set(rows.map((row) => row.id));
}

/** Renews (or takes) the lease of a gateway process. */
export async function renewInstanceLease(instanceId: string): Promise<void> {
  await db.$executeRaw`
    INSERT INTO "GatewayInstance" ("id", "startedAt", "heartbeatAt") VALUES (${instanceId}, now(), now())
    ON CONFLICT ("id") DO UPDATE SET "heartbeatAt" = now()`;
}

/** Gives a lease up: the process has settled everything it served and is exiting. */
export async function endInstanceLease(instanceId: string): Promise<void> {
  await db.$executeRaw`DELETE FROM "GatewayInstance" WHERE "id" = ${instanceId}`;
}

// Requests logged before instances had leases carry no instance id; they keep the old rule (no
// request runs for hours), so that an instance of the previous version mid-deploy keeps its own.
const UNLEASED_ABANDONED_AFTER = "6 hours";

/**
 * The PENDING requests whose gateway process's lease has run out (no heartbeat for `leaseMs`, or
 * no lease row at all), at most `limit`. A request younger than the lease is never among them, so
 * one reserved just before its process's first heartbeat is safe.
 */
export async function requestsOfLostInstances(leaseMs: number, limit = 500): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT r."id" FROM "RequestLog" AS r
    WHERE r."status" = 'PENDING'
      AND r."createdAt" < now() - ${leaseMs}::integer * interval '1 millisecond'
      AND (r."instanceId" IS NOT NULL OR r."createdAt" < now() - ${UNLEASED_ABANDONED_AFTER}::interval)
      AND NOT EXISTS (SELECT 1 FROM "GatewayInstance" AS g
                      WHERE g."id" = r."instanceId" AND g."heartbeatAt" >= now() - ${leaseMs}::integer * interval '1 millisecond')
    ORDER BY r."createdAt"
    LIMIT ${limit}`;
  return rows.map((row) => row.id);
}

/** The PENDING requests logged by the gateway process `instanceId`. */
export async function pendingRequestsOfInstance(instanceId: string): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "RequestLog" WHERE "status" = 'PENDING' AND "instanceId" = ${instanceId} ORDER BY "createdAt"`;
  return rows.map((row) => row.id);
}

/** Forgets the leases of processes silent for a long while (their requests are settled by then). */
export async function forgetExpiredInstances(olderThanMs: number): Promise<void> {
  await db.$executeRaw`DELETE FROM "GatewayInstance" WHERE "heartbeatAt" < now() - ${olderThanMs}::integer * interval '1 millisecond'`;
}
