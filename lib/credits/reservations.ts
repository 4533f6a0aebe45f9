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
import { INSERT_LEDGER_ENTRY } from "@/lib/credits/ledger";
import { formatUsd } from "@/lib/credits/money";

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
// single round trip on the gateway's hot path. Row locks taken by the statement serialise
// concurrent requests of one user (and one key); PostgreSQL re-checks each WHERE against the
// latest row after waiting for a lock, so the conditions below hold at the moment of the write.
//
// They commit without waiting for their WAL to reach the disk: synchronous_commit is off for their
// own transaction only (set_config's `true`; a session-wide SET would leak to the pool's other
// users, Stripe credits among them). A database crash can lose the last of them — up to three
// wal_writer_delay's worth — each whole: a lost reserve was never held (its request is served
// unbilled), a lost settlement leaves its hold PENDING for settleLostSettlements (metering.ts),
// which settles it from its last checkpoint. Every other write here and every other movement of
// money commits durably, and its flush makes every metering commit before it durable too (WAL is
// replayed in order). The README's "What a database crash can lose" says why that is acceptable.
const METERING_COMMIT = `metering_commit AS (SELECT set_config('synchronous_commit', 'off', true))`;

/**
 * Holds `amount` against the user's available credit and, for an API key with a spend limit,
 * against what the key may still spend, and logs the request as PENDING — all or nothing. An API
 * key is checked to be neither revoked nor expired in the same step (unauthenticated, 401).
 */
const RESERVE: PreparedStatement = {
  name: "reserve_credit",
  // $1 api key id (or null), $2 amount, $3 user id, $4 request id, $5 model id, $6 endpoint, $7 source,
  // $8 gateway instance id, $9 the most requests the account may have in flight
  text: `
    WITH ${METERING_COMMIT}, api_key AS (
      SELECT "revokedAt" IS NULL AND ("expiresAt" IS NULL OR "expiresAt" > now()) AS "live",
             "spendLimit" IS NULL OR "spent" + "held" + $2::bigint <= "spendLimit" AS "withinLimit"
      FROM "ApiKey" WHERE "id" = $1
      FOR UPDATE
    ), credit AS (
      UPDATE "CreditAccount" SET "held" = "held" + $2::bigint, "updatedAt" = now()
      WHERE "userId" = $3 AND "balance" - "held" >= $2::bigint
        AND "ecolink_requests_in_flight"($3) < $9::integer
        AND ($1::text IS NULL OR EXISTS (SELECT 1 FROM api_key WHERE "live" AND "withinLimit"))
      RETURNING "balance" - "held" AS "spare"
    ), key_hold AS (
      UPDATE "ApiKey" SET "held" = "held" + $2::bigint
      WHERE "id" = $1 AND EXISTS (SELECT 1 FROM credit)
    ), logged AS (
      INSERT INTO "RequestLog" ("id", "userId", "apiKeyId", "modelId", "endpoint", "source", "status", "reserved", "createdAt", "instanceId")
      SELECT $4, $3, $1, $5, $6, $7::"RequestSource", 'PENDING', $2::bigint, now(), $8
      WHERE EXISTS (SELECT 1 FROM credit)
    )
    SELECT (SELECT "spare"::text FROM credit) AS "spare",
           ($1::text IS NULL OR EXISTS (SELECT 1 FROM api_key WHERE "live")) AS "keyLive",
           ($1::text IS NULL OR EXISTS (SELECT 1 FROM api_key WHERE "withinLimit")) AS "keyWithinLimit"
    FROM metering_commit`,
};

/**
 * Holds `amount` against the user's available credit and, for an API key with a spend limit,
 * against what the key may still spend, and logs the request as PENDING — all or nothing. An API
 * key is checked to be neither revoked nor expired in the same step (unauthenticated, 401).
 */
export async function reserveCredit(request: ReservationRequest): Promise<Reservation> {
  const requestId = request.requestId ?? newRequestId();
  const [outcome] = await runPrepared<{ spare: string | null; keyLive: boolean; keyWithinLimit: boolean }>(RESERVE, [
    request.apiKeyId,
    request.amount.toString(),
    request.userId,
    requestId,
    request.modelId,
    request.endpoint,
    request.source,
    request.instanceId ?? null,
    env().ACCOUNT_MAX_CONCURRENT_REQUESTS,
  ]);
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

const SETTLE: PreparedStatement = {
  name: "settle_request",
  // $1 request id, $2 status, $3 charged, $4 input tokens, $5 output tokens, $6 images,
  // $7 audio seconds, $8 latency ms, $9 ttft ms, $10 http status, $11 error code, $12 ledger reference,
  // $13 input characters, $14 usage counted here, $15 upstream attempts, $16 upstream endpoint
  // The ledger entry is the one applyMovement would write, written in this statement to keep settle one.
  // Null cost and tokens settle from the row's last checkpoint, read under the row lock the UPDATE
  // takes, so a checkpoint can't land between reading it and settling.
  text: `
    WITH ${METERING_COMMIT}, request AS (
      UPDATE "RequestLog" SET
        "status" = $2::"RequestStatus",
        "cost" = LEAST(COALESCE($3::bigint, "checkpointCost", 0), "reserved"),
        "inputTokens" = COALESCE($4::integer, "checkpointInputTokens", 0),
        "outputTokens" = COALESCE($5::integer, "checkpointOutputTokens", 0),
        "images" = $6::integer,
        "audioSeconds" = $7::double precision,
        "latencyMs" = $8::integer,
        "ttftMs" = $9::integer,
        "httpStatus" = $10::integer,
        "errorCode" = $11::text,
        "inputCharacters" = $13::integer,
        "usageCounted" = $14::boolean,
        "upstreamAttempts" = $15::integer,
        "upstreamEndpoint" = $16::text,
        "settledAt" = now()
      WHERE "id" = $1 AND "status" = 'PENDING'
      RETURNING "userId", "apiKeyId", "modelId", "reserved", "cost"
    ), key_spend AS (
      UPDATE "ApiKey" AS k SET "held" = k."held" - r."reserved", "spent" = k."spent" + r."cost", "lastUsedAt" = now()
      FROM request AS r WHERE k."id" = r."apiKeyId"
      RETURNING k."id"
    ), account AS (
      -- Reading key_spend first makes this statement lock the key before the account, the order
      -- reserveCredit takes them in; the opposite order would deadlock concurrent requests.
      UPDATE "CreditAccount" AS a SET "held" = a."held" - r."reserved", "balance" = a."balance" - r."cost", "updatedAt" = now()
      FROM request AS r WHERE a."userId" = r."userId" AND (r."apiKeyId" IS NULL OR EXISTS (SELECT 1 FROM key_spend))
      RETURNING a."balance"
    ), charge AS (
      ${INSERT_LEDGER_ENTRY.text}
      SELECT r."userId", 'REQUEST_CHARGE', -r."cost", a."balance", $12, r."modelId" || ' request', now()
      FROM request AS r, account AS a WHERE r."cost" > 0
    )
    SELECT r."cost"::text, a."balance"::text AS "balanceAfter",
           EXISTS (SELECT 1 FROM "BillingProfile" AS bp
                   WHERE bp."userId" = r."userId" AND bp."autoRechargeEnabled"
                     AND a."balance" < bp."autoRechargeThreshold") AS "autoRechargeDue"
    FROM request AS r, account AS a, metering_commit`,
};

/**
 * Settles a reservation exactly once: completes the request log, releases the hold, debits the
 * real cost (capped at the reservation, so the balance can't go below zero) with its ledger entry,
 * and adds it to the key's spend. A second call for the same request changes nothing (null).
 */
export async function settleRequest(requestId: string, outcome: RequestOutcome): Promise<Settlement | null> {
  const charged = (outcome.status === "FAILED" && !outcome.deliveredBeforeFailing) || outcome.cost < 0n ? 0n : outcome.cost;
  return runSettle(requestId, outcome, [charged.toString(), outcome.inputTokens ?? 0, outcome.outputTokens ?? 0]);
}

/** What a request whose process was lost is settled with: its last checkpoint (nothing if none). */
export type CheckpointOutcome = Omit<RequestOutcome, "cost" | "inputTokens" | "outputTokens">;

/**
 * Settles a request for what its last checkpoint recorded as delivered (nothing, if it has none),
 * exactly once, like settleRequest.
 */
export async function settleFromCheckpoint(requestId: string, outcome: CheckpointOutcome): Promise<Settlement | null> {
  return runSettle(requestId, { ...outcome, cost: 0n }, [null, null, null]);
}

async function runSettle(requestId: string, outcome: RequestOutcome, usage: [string | null, number | null, number | null]): Promise<Settlement | null> {
  const [settled] = await runPrepared<{ cost: string; balanceAfter: string; autoRechargeDue: boolean }>(SETTLE, [
    requestId,
    outcome.status,
    ...usage,
    outcome.images ?? 0,
    outcome.audioSeconds ?? 0,
    outcome.latencyMs ?? null,
    outcome.ttftMs ?? null,
    outcome.httpStatus ?? null,
    outcome.errorCode ?? null,
    `request:${requestId}`,
    outcome.inputCharacters ?? 0,
    outcome.usageCounted ?? false,
    outcome.upstreamAttempts ?? 0,
    outcome.upstreamEndpoint ?? null,
  ]);
  return settled ? { cost: BigInt(settled.cost), balanceAfter: BigInt(settled.balanceAfter), autoRechargeDue: settled.autoRechargeDue } : null;
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
  // a row for each of them cost the gateway more than the update did.
  text: `
    WITH checkpoint AS (
      SELECT * FROM unnest($1::text[], $2::integer[], $3::integer[], $4::bigint[]) AS c("id", "inputTokens", "outputTokens", "cost")
    ), written AS (
      UPDATE "RequestLog" AS r SET
        "checkpointInputTokens" = c."inputTokens",
        "checkpointOutputTokens" = c."outputTokens",
        "checkpointCost" = LEAST(c."cost", r."reserved"),
        "checkpointAt" = now()
      FROM checkpoint AS c
      WHERE r."id" = c."id" AND r."status" = 'PENDING'
      RETURNING r."id"
    )
    SELECT c."id" FROM checkpoint AS c WHERE c."id" NOT IN (SELECT "id" FROM written)`,
};

/**
 * Records what each request has delivered so far on its PENDING log row. Returns the ids it could
 * not write: requests settled already (by a sweep, once their process's lease ran out).
 */
export async function checkpointRequests(checkpoints: readonly DeliveryCheckpoint[]): Promise<Set<string>> {
  const rows = await runPrepared<{ id: string }>(CHECKPOINT, [
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
