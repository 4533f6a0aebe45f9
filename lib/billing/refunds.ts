// Refunds made in Stripe (from the dashboard, or by a dispute team) take the refunded credit back.
//
// Each refund is one REFUND ledger row, keyed by the refund's id, so a redelivered or repeated
// `charge.refunded` takes it back once. The ledger never lets the balance drop below what is held
// for in-flight requests (nor below zero: the database checks 0 <= held <= balance), so when the
// credit was already spent or is held, we take back what is available and the row says how much of
// the refund could not be recovered. We don't carry a debt into later top-ups: the refund has
// returned the customer's money either way, and the unrecovered part is visible in the ledger for
// whoever decided to refund.
import "server-only";
import { applyMovement, type Tx } from "@/lib/credits/ledger";
import { formatUsd } from "@/lib/credits/money";
import { centsToNanos } from "./amounts";
import type { ChargePayload, RefundPayload } from "./stripe-events";

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
    // Locked so that no reservation can take the available credit between reading and debiting it.
    const accounts = await tx.$queryRaw<{ balance: bigint; held: bigint }[]>`
      SELECT "balance", "held" FROM "CreditAccount" WHERE "userId" = ${topUp.userId} FOR UPDATE`;
    const account = accounts[0] ?? { balance: 0n, held: 0n };
    const available = account.balance - account.held;
    const recovered = amount <= available ? amount : available;
    const description =
      recovered === amount
        ? `Refund of ${formatUsd(amount)} to card`
        : `Refund of ${formatUsd(amount)} to card; ${formatUsd(recovered)} taken back, ${formatUsd(amount - recovered)} was already spent or in use`;
    const applied = await applyMovement(tx, { userId: topUp.userId, kind: "REFUND", amount: -recovered, reference: `stripe-refund:${refund.id}`, description });
    if (applied) refunded += amount;
  }
  if (refunded !== topUp.refunded) {
    await tx.topUp.update({ where: { id: topUp.id }, data: { refunded, ...(refunded >= topUp.amount ? { status: "REFUNDED" as const } : {}) } });
  }
}
