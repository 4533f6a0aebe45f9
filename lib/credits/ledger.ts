// The one place that moves money. Every movement is a LedgerEntry whose unique `reference` makes it
// idempotent; CreditAccount.balance is the running sum of the entries, updated in the same
// transaction, so the balance is always derivable from the ledger.
import "server-only";
import { db } from "@/lib/db";
import { DomainError } from "@/lib/errors";
import type { LedgerKind } from "@/lib/generated/prisma/enums";
import type { Prisma } from "@/lib/generated/prisma/client";

export type Tx = Prisma.TransactionClient;

export interface CreditMovement {
  userId: string;
  kind: LedgerKind;
  /** Signed nano-dollars: positive credits, negative debits. */
  amount: bigint;
  /** Idempotency key: a second movement with the same reference is not applied. */
  reference: string;
  description: string;
}

export interface Balance {
  balance: bigint;
  held: bigint;
  available: bigint;
}

export async function ensureCreditAccount(userId: string, tx: Tx = db): Promise<void> {
  await tx.$executeRaw`INSERT INTO "CreditAccount" ("userId", "balance", "held", "updatedAt")
    VALUES (${userId}, 0, 0, now()) ON CONFLICT ("userId") DO NOTHING`;
}

/**
 * Applies one movement inside `tx`. Returns false (and changes nothing) when its reference was
 * already applied. A debit that would take the balance below what is held or below zero throws
 * insufficient_quota.
 */
export async function applyMovement(tx: Tx, movement: CreditMovement): Promise<boolean> {
  const already = await tx.$queryRaw<{ one: number }[]>`SELECT 1 AS one FROM "LedgerEntry" WHERE "reference" = ${movement.reference}`;
  if (already.length > 0) return false;
  await ensureCreditAccount(movement.userId, tx);
  // The row lock taken by this UPDATE serialises movements of one user; re-checking the reference
  // after it closes the window where two transactions both passed the check above.
  const updated = await tx.$queryRaw<{ balance: bigint }[]>`
    UPDATE "CreditAccount" SET "balance" = "balance" + ${movement.amount}, "updatedAt" = now()
    WHERE "userId" = ${movement.userId} AND "balance" + ${movement.amount} >= "held"
    RETURNING "balance"`;
  const row = updated[0];
  if (!row) throw new DomainError("insufficient_quota", "The balance cannot cover this debit.");
  const inserted = await tx.$queryRaw<{ id: bigint }[]>`
    INSERT INTO "LedgerEntry" ("userId", "kind", "amount", "balanceAfter", "reference", "description", "createdAt")
    VALUES (${movement.userId}, ${movement.kind}::"LedgerKind", ${movement.amount}, ${row.balance}, ${movement.reference}, ${movement.description}, now())
    ON CONFLICT ("reference") DO NOTHING RETURNING "id"`;
  if (inserted.length === 0) {
    // Lost the race to a concurrent identical movement: undo our balance change.
    await tx.$executeRaw`UPDATE "CreditAccount" SET "balance" = "balance" - ${movement.amount} WHERE "userId" = ${movement.userId}`;
    return false;
  }
  return true;
}

/** Records one movement in its own transaction; true when applied, false when already recorded. */
export async function recordCreditMovement(movement: CreditMovement): Promise<boolean> {
  return db.$transaction((tx) => applyMovement(tx, movement), { maxWait: 15_000, timeout: 15_000 });
}

export async function getBalance(userId: string, tx: Tx = db): Promise<Balance> {
  const rows = await tx.$queryRaw<{ balance: bigint; held: bigint }[]>`
    SELECT "balance", "held" FROM "CreditAccount" WHERE "userId" = ${userId}`;
  const row = rows[0] ?? { balance: 0n, held: 0n };
  return { balance: row.balance, held: row.held, available: row.balance - row.held };
}

/** Sum of the user's ledger entries: what the balance must always equal. */
export async function ledgerTotal(userId: string, tx: Tx = db): Promise<bigint> {
  const rows = await tx.$queryRaw<{ total: bigint | null }[]>`
    SELECT SUM("amount")::bigint AS total FROM "LedgerEntry" WHERE "userId" = ${userId}`;
  return rows[0]?.total ?? 0n;
}
