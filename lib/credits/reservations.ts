// Reserve-then-settle: before a provider is called, the most a request can cost is held against the
// user's balance (and the key's spend limit) by a conditional UPDATE, so no number of concurrent
// requests can overspend; when the request ends it is settled to its real cost and the rest released.
import { randomUUID } from "node:crypto";
import { db } from "@/lib/db";
import { DomainError } from "@/lib/errors";
import type { RequestSource, RequestStatus } from "@/lib/generated/prisma/enums";
import { applyMovement } from "@/lib/credits/ledger";
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

// Bursts of concurrent requests queue for pool connections; a queued reservation is still valid
// work, so it may wait longer than Prisma's 2 s default instead of failing the request.
const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 15_000 } as const;

export function newRequestId(): string {
  return `req_${randomUUID().replace(/-/g, "")}`;
}

export async function reserveCredit(request: ReservationRequest): Promise<Reservation> {
  const requestId = request.requestId ?? newRequestId();
  await db.$transaction(async (tx) => {
    const held = await tx.$queryRaw<{ balance: bigint }[]>`
      UPDATE "CreditAccount" SET "held" = "held" + ${request.amount}, "updatedAt" = now()
      WHERE "userId" = ${request.userId} AND "balance" - "held" >= ${request.amount}
      RETURNING "balance"`;
    if (held.length === 0) {
      throw new DomainError(
        "insufficient_quota",
        `You don't have enough credit for this request (it may cost up to ${formatUsd(request.amount)}). Add credit on the Billing page.`,
      );
    }
    if (request.apiKeyId) {
      const keyHeld = await tx.$queryRaw<{ id: string }[]>`
        UPDATE "ApiKey" SET "held" = "held" + ${request.amount}
        WHERE "id" = ${request.apiKeyId}
          AND ("spendLimit" IS NULL OR "spent" + "held" + ${request.amount} <= "spendLimit")
        RETURNING "id"`;
      if (keyHeld.length === 0) {
        throw new DomainError(
          "key_limit_reached",
          `This API key has reached its spend limit (this request may cost up to ${formatUsd(request.amount)}).`,
        );
      }
    }
    await tx.$executeRaw`
      INSERT INTO "RequestLog" ("id", "userId", "apiKeyId", "modelId", "endpoint", "source", "status", "reserved", "createdAt")
      VALUES (${requestId}, ${request.userId}, ${request.apiKeyId}, ${request.modelId}, ${request.endpoint},
              ${request.source}::"RequestSource", 'PENDING', ${request.amount}, now())`;
  }, TRANSACTION_OPTIONS);
  return { requestId, userId: request.userId, apiKeyId: request.apiKeyId, amount: request.amount };
}

/**
 * Settles a reservation exactly once: releases the hold, debits the real cost through the ledger
 * and completes the request log. A second call for the same request changes nothing.
 */
export async function settleRequest(requestId: string, outcome: RequestOutcome): Promise<Settlement | null> {
  return db.$transaction(async (tx) => {
    const pending = await tx.$queryRaw<{ userId: string; apiKeyId: string | null; reserved: bigint; modelId: string }[]>`
      SELECT "userId", "apiKeyId", "reserved", "modelId" FROM "RequestLog"
      WHERE "id" = ${requestId} AND "status" = 'PENDING' FOR UPDATE`;
    const request = pending[0];
    if (!request) return null;
    const charged = outcome.status === "FAILED" ? 0n : outcome.cost;
    const cost = charged > request.reserved ? request.reserved : charged < 0n ? 0n : charged;

    await tx.$executeRaw`UPDATE "CreditAccount" SET "held" = "held" - ${request.reserved}, "updatedAt" = now()
      WHERE "userId" = ${request.userId}`;
    if (cost > 0n) {
      await applyMovement(tx, {
        userId: request.userId,
        kind: "REQUEST_CHARGE",
        amount: -cost,
        reference: `request:${requestId}`,
        description: `${request.modelId} request`,
      });
    }
    if (request.apiKeyId) {
      await tx.$executeRaw`UPDATE "ApiKey" SET "held" = "held" - ${request.reserved}, "spent" = "spent" + ${cost}, "lastUsedAt" = now()
        WHERE "id" = ${request.apiKeyId}`;
    }
    await tx.requestLog.update({
      where: { id: requestId },
      data: {
        status: outcome.status,
        cost,
        inputTokens: outcome.inputTokens ?? 0,
        outputTokens: outcome.outputTokens ?? 0,
        images: outcome.images ?? 0,
        audioSeconds: outcome.audioSeconds ?? 0,
        latencyMs: outcome.latencyMs ?? null,
        ttftMs: outcome.ttftMs ?? null,
        httpStatus: outcome.httpStatus ?? null,
        errorCode: outcome.errorCode ?? null,
        settledAt: new Date(),
      },
    });
    const balance = await tx.$queryRaw<{ balance: bigint }[]>`SELECT "balance" FROM "CreditAccount" WHERE "userId" = ${request.userId}`;
    return { cost, balanceAfter: balance[0]?.balance ?? 0n };
  }, TRANSACTION_OPTIONS);
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
