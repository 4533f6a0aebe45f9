// Chargebacks: a customer disputes a top-up's card payment at their bank, and Stripe takes the money
// back from us until the dispute is decided. The credit it bought is taken back the same way.
//
// A dispute is one DISPUTE ledger row when it opens (reference "stripe-dispute:<id>"), debiting the
// disputed amount, or what is available of it (lib/billing/take-back.ts: the shortfall is written in
// the row's description and logged). If it closes in our favour ("won", or an inquiry closed
// without a chargeback), a second row (reference "stripe-dispute-returned:<id>") credits back
// exactly what the first took; "lost" keeps the debit. Both are idempotent, and both are applied
// from the dispute's current state read from Stripe, so events arriving twice or out of order
// (closed before created) still leave the ledger right.
import type { Tx } from "@/lib/credits/ledger";
import { applyMovement } from "@/lib/credits/ledger";
import { formatUsd } from "@/lib/credits/money";
import { centsToNanos } from "./amounts";
import type { DisputePayload } from "./stripe-events";
import { takeBackCredit } from "./take-back";

/** Closed statuses in which the money came back to us. */
const RETURNED_STATUSES = new Set(["won", "warning_closed"]);

/** Applies the dispute as it stands to the top-up its payment intent paid for, inside `tx`. Others' payments are ignored. */
export async function applyDispute(tx: Tx, dispute: DisputePayload, paymentIntentId: string | null): Promise<void> {
  if (!paymentIntentId || dispute.currency !== "usd") return;
  const topUps = await tx.$queryRaw<{ userId: string; amount: bigint }[]>`
    SELECT "userId", "amount" FROM "TopUp" WHERE "paymentIntentId" = ${paymentIntentId} AND "status" IN ('CREDITED', 'REFUNDED') FOR UPDATE`;
  const topUp = topUps[0];
  if (!topUp) return;
  const disputed = centsToNanos(dispute.amount) < topUp.amount ? centsToNanos(dispute.amount) : topUp.amount;

  const opened = `stripe-dispute:${dispute.id}`;
  await takeBackCredit(tx, {
    userId: topUp.userId,
    kind: "DISPUTE",
    amount: disputed,
    reference: opened,
    description: `Chargeback: the ${formatUsd(topUp.amount)} card payment is disputed with the bank`,
  });
  if (!RETURNED_STATUSES.has(dispute.status)) return;

  const debits = await tx.$queryRaw<{ amount: bigint }[]>`SELECT "amount" FROM "LedgerEntry" WHERE "reference" = ${opened}`;
  const taken = -(debits[0]?.amount ?? 0n);
  if (taken === 0n) return;
  await applyMovement(tx, {
    userId: topUp.userId,
    kind: "DISPUTE",
    amount: taken,
    reference: `stripe-dispute-returned:${dispute.id}`,
    description: `Dispute resolved: the ${formatUsd(topUp.amount)} card payment stands, the ${formatUsd(taken)} taken back is returned`,
  });
}
