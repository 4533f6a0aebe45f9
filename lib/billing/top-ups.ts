// The TopUp rows behind the billing page: reading one for its owner, and the state changes Stripe's
// events cause. Crediting goes through the ledger with a reference unique to the Stripe payment
// (its Checkout Session or payment intent), so it happens once however often Stripe reports it.
import "server-only";
import { applyMovement, type Tx } from "@/lib/credits/ledger";
import { db } from "@/lib/db";
import { DomainError } from "@/lib/errors";
import type { TopUpStatus } from "@/lib/generated/prisma/enums";
import { centsToNanos } from "./amounts";

export interface TopUpView {
  id: string;
  status: TopUpStatus;
  amount: bigint;
  automatic: boolean;
  receiptUrl: string | null;
  refunded: bigint;
  failureMessage: string | null;
  createdAt: Date;
}

const topUpViewSelect = {
  id: true,
  status: true,
  amount: true,
  automatic: true,
  receiptUrl: true,
  refunded: true,
  failureMessage: true,
  createdAt: true,
} as const;

/** One of the user's top-ups; another user's id reads as not found. */
export async function getTopUp(userId: string, topUpId: string): Promise<TopUpView> {
  const topUp = await db.topUp.findFirst({ where: { id: topUpId, userId }, select: topUpViewSelect });
  if (!topUp) throw new DomainError("not_found", "There is no such top-up on your account.");
  return topUp;
}

export interface TopUpCredit {
  topUpId: string;
  /** Who Stripe's metadata says paid; must own the top-up. */
  userId: string;
  /** What Stripe collected, in cents. */
  amountCents: number;
  /** The ledger's idempotency key for this payment, e.g. "stripe-session:cs_…". */
  reference: string;
  description: string;
  paymentIntentId: string | null;
  receiptUrl: string | null;
}

/**
 * Credits a paid top-up inside `tx`, once: true when this call credited it, false when it was
 * already credited or the top-up isn't the payer's (logged: money arrived that we can't place).
 */
export async function creditTopUp(tx: Tx, credit: TopUpCredit): Promise<boolean> {
  const rows = await tx.$queryRaw<{ userId: string }[]>`SELECT "userId" FROM "TopUp" WHERE "id" = ${credit.topUpId} FOR UPDATE`;
  if (rows[0]?.userId !== credit.userId) {
    console.error(`Stripe payment ${credit.reference} names top-up ${credit.topUpId} of user ${credit.userId}, which does not exist; not credited.`);
    return false;
  }
  const amount = centsToNanos(credit.amountCents);
  const applied = await applyMovement(tx, { userId: credit.userId, kind: "TOP_UP", amount, reference: credit.reference, description: credit.description });
  if (applied) {
    await tx.topUp.update({
      where: { id: credit.topUpId },
      data: { status: "CREDITED", amount, paymentIntentId: credit.paymentIntentId, receiptUrl: credit.receiptUrl, failureMessage: null },
    });
  }
  return applied;
}

/** Marks a top-up that was never paid (Checkout expired, an async payment failed); a credited one stays credited. */
export async function closeUnpaidTopUp(
  tx: Tx,
  topUpId: string,
  status: Extract<TopUpStatus, "FAILED" | "EXPIRED">,
  failureMessage: string | null,
): Promise<void> {
  await tx.topUp.updateMany({ where: { id: topUpId, status: "PENDING" }, data: { status, failureMessage } });
}
