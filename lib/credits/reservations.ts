// Reserve-then-settle: before a provider is called, the most a request can cost is held against the
// user's balance (and the key's spend limit) by a conditional UPDATE, so no number of concurrent
// requests can overspend; when the request ends it is settled to its real cost and the rest released.
import "server-only";
import { randomUUID } from "node:crypto";
import { db, runPrepared, type PreparedStatement } from "@/lib/db";
import { DomainError } from "@/lib/errors";
import type { RequestSource, RequestStatus } from "@/lib/generated/prisma/enums";
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
}

export interface Reservation {
  requestId: string;
  userId: string;
  apiKeyId: string | null;
  amount: bigint;
}

export interface RequestOutcome {
  status: Exclude<RequestStatus, "PENDING">;
  /** Real cost in nano-dollars; capped at the reservation. Failed requests cost nothing. */
  cost: bigint;
  inputTokens?: number;
  outputTokens?: number;
  images?: number;
  audioSeconds?: number;
  latencyMs?: number;
  ttftMs?: number | null;
  httpStatus?: number;
  errorCode?: string | null;
}

export interface Settlement {
  cost: bigint;
  balanceAfter: bigint;
  /** The balance left is under the owner's auto-recharge threshold and no recharge is running. */
  autoRechargeDue: boolean;
}

export function newRequestId(): string {
  return `req_${randomUUID().replace(/-/g, "")}`;
}

// Reserve and settle are each ONE statement: atomic without an interactive transaction, and a
// single round trip on the gateway's hot path. Row locks taken by the statement serialise
// concurrent requests of one user (and one key); PostgreSQL re-checks each WHERE against the
// latest row after waiting for a lock, so the conditions below hold at the moment of the write.

/**
 * Holds `amount` against the user's available credit and, for an API key with a spend limit,
 * against what the key may still spend, and logs the request as PENDING — all or nothing. An API
 * key is checked to be neither revoked nor expired in the same step (unauthenticated, 401).
 */
const RESERVE: PreparedStatement = {
  name: "reserve_credit",
  // $1 api key id (or null), $2 amount, $3 user id, $4 request id, $5 model id, $6 endpoint, $7 source
  text: `
    WITH api_key AS (
      SELECT "revokedAt" IS NULL AND ("expiresAt" IS NULL OR "expiresAt" > now()) AS "live",
             "spendLimit" IS NULL OR "spent" + "held" + $2::bigint <= "spendLimit" AS "withinLimit"
      FROM "ApiKey" WHERE "id" = $1
      FOR UPDATE
    ), credit AS (
      UPDATE "CreditAccount" SET "held" = "held" + $2::bigint, "updatedAt" = now()
      WHERE "userId" = $3 AND "balance" - "held" >= $2::bigint
        AND ($1::text IS NULL OR EXISTS (SELECT 1 FROM api_key WHERE "live" AND "withinLimit"))
      RETURNING "userId"
    ), key_hold AS (
      UPDATE "ApiKey" SET "held" = "held" + $2::bigint
      WHERE "id" = $1 AND EXISTS (SELECT 1 FROM credit)
    ), logged AS (
      INSERT INTO "RequestLog" ("id", "userId", "apiKeyId", "modelId", "endpoint", "source", "status", "reserved", "createdAt")
      SELECT $4, $3, $1, $5, $6, $7::"RequestSource", 'PENDING', $2::bigint, now()
      WHERE EXISTS (SELECT 1 FROM credit)
    )
    SELECT EXISTS (SELECT 1 FROM credit) AS "creditHeld",
           ($1::text IS NULL OR EXISTS (SELECT 1 FROM api_key WHERE "live")) AS "keyLive",
           ($1::text IS NULL OR EXISTS (SELECT 1 FROM api_key WHERE "withinLimit")) AS "keyWithinLimit"`,
};

/**
 * Holds `amount` against the user's available credit and, for an API key with a spend limit,
 * against what the key may still spend, and logs the request as PENDING — all or nothing. An API
 * key is checked to be neither revoked nor expired in the same step (unauthenticated, 401).
 */
export async function reserveCredit(request: ReservationRequest): Promise<Reservation> {
  const requestId = request.requestId ?? newRequestId();
  const [outcome] = await runPrepared<{ creditHeld: boolean; keyLive: boolean; keyWithinLimit: boolean }>(RESERVE, [
    request.apiKeyId,
    request.amount.toString(),
    request.userId,
    requestId,
    request.modelId,
    request.endpoint,
    request.source,
  ]);
  if (outcome && !outcome.keyLive) throw new DomainError("unauthenticated", "This API key has been revoked or has expired.");
  if (outcome && !outcome.keyWithinLimit) {
    throw new DomainError(
      "key_limit_reached",
      `This API key has reached its spend limit (this request may cost up to ${formatUsd(request.amount)}).`,
    );
  }
  if (!outcome?.creditHeld) {
    throw new DomainError(
      "insufficient_quota",
      `You don't have enough credit for this request (it may cost up to ${formatUsd(request.amount)}). Add credit on the Billing page.`,
    );
  }
  return { requestId, userId: request.userId, apiKeyId: request.apiKeyId, amount: request.amount };
}

const SETTLE: PreparedStatement = {
  name: "settle_request",
  // $1 request id, $2 status, $3 charged, $4 input tokens, $5 output tokens, $6 images,
  // $7 audio seconds, $8 latency ms, $9 ttft ms, $10 http status, $11 error code, $12 ledger reference
  // The ledger entry is the one applyMovement would write; it is inlined to keep settle one statement.
  text: `
    WITH request AS (
      UPDATE "RequestLog" SET
        "status" = $2::"RequestStatus",
        "cost" = LEAST($3::bigint, "reserved"),
        "inputTokens" = $4::integer,
        "outputTokens" = $5::integer,
        "images" = $6::integer,
        "audioSeconds" = $7::double precision,
        "latencyMs" = $8::integer,
        "ttftMs" = $9::integer,
        "httpStatus" = $10::integer,
        "errorCode" = $11::text,
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
      INSERT INTO "LedgerEntry" ("userId", "kind", "amount", "balanceAfter", "reference", "description", "createdAt")
      SELECT r."userId", 'REQUEST_CHARGE', -r."cost", a."balance", $12, r."modelId" || ' request', now()
      FROM request AS r, account AS a WHERE r."cost" > 0
    )
    SELECT r."cost"::text, a."balance"::text AS "balanceAfter",
           EXISTS (SELECT 1 FROM "BillingProfile" AS bp
                   WHERE bp."userId" = r."userId" AND bp."autoRechargeEnabled" AND NOT bp."autoRechargeInFlight"
                     AND a."balance" < bp."autoRechargeThreshold") AS "autoRechargeDue"
    FROM request AS r, account AS a`,
};

/**
 * Settles a reservation exactly once: completes the request log, releases the hold, debits the
 * real cost (capped at the reservation, so the balance can't go below zero) with its ledger entry,
 * and adds it to the key's spend. A second call for the same request changes nothing (null).
 */
export async function settleRequest(requestId: string, outcome: RequestOutcome): Promise<Settlement | null> {
  const charged = outcome.status === "FAILED" || outcome.cost < 0n ? 0n : outcome.cost;
  const [settled] = await runPrepared<{ cost: string; balanceAfter: string; autoRechargeDue: boolean }>(SETTLE, [
    requestId,
    outcome.status,
    charged.toString(),
    outcome.inputTokens ?? 0,
    outcome.outputTokens ?? 0,
    outcome.images ?? 0,
    outcome.audioSeconds ?? 0,
    outcome.latencyMs ?? null,
    outcome.ttftMs ?? null,
    outcome.httpStatus ?? null,
    outcome.errorCode ?? null,
    `request:${requestId}`,
  ]);
  return settled ? { cost: BigInt(settled.cost), balanceAfter: BigInt(settled.balanceAfter), autoRechargeDue: settled.autoRechargeDue } : null;
}

/**
 * Releases reservations of requests that never settled (the process handling them died). They
 * are marked FAILED and cost nothing.
 */
export async function releaseAbandonedReservations(olderThanMs: number): Promise<number> {
  const stale = await db.requestLog.findMany({
    where: { status: "PENDING", createdAt: { lt: new Date(Date.now() - olderThanMs) } },
    select: { id: true },
  });
  for (const { id } of stale) {
    await settleRequest(id, { status: "FAILED", cost: 0n, errorCode: "abandoned" });
  }
  return stale.length;
}
