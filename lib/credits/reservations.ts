// Reserve-then-settle: before a provider is called, the most a request can cost is held against the
// user's balance (and the key's spend limit) by a conditional UPDATE, so no number of concurrent
// requests can overspend; when the request ends it is settled to its real cost and the rest released.
import { randomUUID } from "node:crypto";
import { db } from "@/lib/db";
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
 * against what the key may still spend, and logs the request as PENDING — all or nothing.
 */
export async function reserveCredit(request: ReservationRequest): Promise<Reservation> {
  const requestId = request.requestId ?? newRequestId();
  const rows = await db.$queryRaw<{ creditHeld: boolean; keyWithinLimit: boolean }[]>`
    WITH key_ok AS (
      SELECT "id" FROM "ApiKey"
      WHERE "id" = ${request.apiKeyId} AND ("spendLimit" IS NULL OR "spent" + "held" + ${request.amount} <= "spendLimit")
      FOR UPDATE
    ), credit AS (
      UPDATE "CreditAccount" SET "held" = "held" + ${request.amount}, "updatedAt" = now()
      WHERE "userId" = ${request.userId} AND "balance" - "held" >= ${request.amount}
        AND (${request.apiKeyId}::text IS NULL OR EXISTS (SELECT 1 FROM key_ok))
      RETURNING "userId"
    ), key_hold AS (
      UPDATE "ApiKey" SET "held" = "held" + ${request.amount}
      WHERE "id" = ${request.apiKeyId} AND EXISTS (SELECT 1 FROM credit)
    ), logged AS (
      INSERT INTO "RequestLog" ("id", "userId", "apiKeyId", "modelId", "endpoint", "source", "status", "reserved", "createdAt")
      SELECT ${requestId}, ${request.userId}, ${request.apiKeyId}, ${request.modelId}, ${request.endpoint},
             ${request.source}::"RequestSource", 'PENDING', ${request.amount}, now()
      WHERE EXISTS (SELECT 1 FROM credit)
    )
    SELECT EXISTS (SELECT 1 FROM credit) AS "creditHeld",
           (${request.apiKeyId}::text IS NULL OR EXISTS (SELECT 1 FROM key_ok)) AS "keyWithinLimit"`;
  const outcome = rows[0];
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

/**
 * Settles a reservation exactly once: completes the request log, releases the hold, debits the
 * real cost (capped at the reservation, so the balance can't go below zero) with its ledger entry,
 * and adds it to the key's spend. A second call for the same request changes nothing (null).
 */
export async function settleRequest(requestId: string, outcome: RequestOutcome): Promise<Settlement | null> {
  const charged = outcome.status === "FAILED" || outcome.cost < 0n ? 0n : outcome.cost;
  // The ledger entry is the one applyMovement would write; it is inlined to keep settle one statement.
  const rows = await db.$queryRaw<{ cost: bigint; balanceAfter: bigint }[]>`
    WITH request AS (
      UPDATE "RequestLog" SET
        "status" = ${outcome.status}::"RequestStatus",
        "cost" = LEAST(${charged}::bigint, "reserved"),
        "inputTokens" = ${outcome.inputTokens ?? 0},
        "outputTokens" = ${outcome.outputTokens ?? 0},
        "images" = ${outcome.images ?? 0},
        "audioSeconds" = ${outcome.audioSeconds ?? 0},
        "latencyMs" = ${outcome.latencyMs ?? null}::integer,
        "ttftMs" = ${outcome.ttftMs ?? null}::integer,
        "httpStatus" = ${outcome.httpStatus ?? null}::integer,
        "errorCode" = ${outcome.errorCode ?? null}::text,
        "settledAt" = now()
      WHERE "id" = ${requestId} AND "status" = 'PENDING'
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
      SELECT r."userId", 'REQUEST_CHARGE', -r."cost", a."balance", ${`request:${requestId}`}, r."modelId" || ' request', now()
      FROM request AS r, account AS a WHERE r."cost" > 0
    )
    SELECT r."cost", a."balance" AS "balanceAfter" FROM request AS r, account AS a`;
  const settled = rows[0];
  return settled ? { cost: settled.cost, balanceAfter: settled.balanceAfter } : null;
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
