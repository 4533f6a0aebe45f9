// Refunds made in Stripe (from the dashboard, or by a dispute team) take the refunded credit back.
//
// Each refund is one REFUND ledger row, keyed by the refund's id, so a redelivered or repeated
// `charge.refunded` takes it back once, and never more than is available (lib/billing/take-back.ts).
import "server-only";
import type { Tx } from "@/lib/credits/ledger";
import { formatUsd } from "@/lib/credits/money";
import { centsToNanos } from "./amounts";
import type { ChargePayload, RefundPayload } from "./stripe-events";
import { takeBackCredit } from "./take-back";

/** Refunds that return money: a pending refund is committed; failed and canceled ones are not. */
const RETURNED_STATUSES = new Set(["succeeded", "pending"]);

/** Applies the charge's refunds to the top-up it paid for, inside `tx`. Charges we didn't create are ignored. */
export async function applyChargeRefunds(tx: Tx, charge: ChargePayload, refunds: RefundPayload[]): Promise<void> {
  if (!charge.payment_intent) return;
  const topUps = await tx.$queryRaw<{ id: string; userId: string; amount: bigint; refunded: bigint }[]>`
    SELECT "id", "userId", "amount", "refunded" FROM "TopUp" WHERE "paymentIntentId" = ${charge.payment_intent} FOR UPDATE`;
  const topUp = topUps[0];
  if (!topUp) return;

  let refunded = topUp.refunded;
  for (const refund of refunds) {
    if (refund.currency !== "usd" || !RETURNED_STATUSES.has(refund.status ?? "")) continue;
    const amount = centsToNanos(refund.amount);
    const taken = await takeBackCredit(tx, {
      userId: topUp.userId,
      kind: "REFUND",
      amount,
      reference: `stripe-refund:${refund.id}`,
      description: `Refund of ${formatUsd(amount)} to card`,
    });
    if (taken !== null) refunded += amount;
  }
  if (refunded !== topUp.refunded) {
    await tx.topUp.update({ where: { id: topUp.id }, data: { refunded, ...(refunded >= topUp.amount ? { status: "REFUNDED" as const } : {}) } });
  }
}
