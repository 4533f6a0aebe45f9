// Taking credit back for money that left through the card (a refund, a chargeback). The ledger never
// lets the balance drop below what is held for in-flight requests (nor below zero: the database
// checks 0 <= held <= balance), so when the credit was already spent or is held we take back what
// is available, and the ledger row says how much could not be recovered. We don't carry a debt into
// later top-ups: the money has gone back to the card either way, and the unrecovered part stays
// visible in the ledger (and the log) for whoever looks into it.
import { applyMovement, type Tx } from "@/lib/credits/ledger";
import { formatUsd } from "@/lib/credits/money";
import type { LedgerKind } from "@/lib/generated/prisma/enums";

export interface TakeBack {
  userId: string;
  kind: Extract<LedgerKind, "REFUND" | "DISPUTE">;
  /** What left through the card, in nano-dollars (positive). */
  amount: bigint;
  /** The ledger's idempotency key, e.g. "stripe-refund:re_…". */
  reference: string;
  /** The movement in words, e.g. "Refund of $10.00 to card". */
  description: string;
}

/** Debits up to `amount` inside `tx`, once per reference; returns what was taken back, or null if already applied. */
export async function takeBackCredit(tx: Tx, takeBack: TakeBack): Promise<bigint | null> {
  // Locked so that no reservation can take the available credit between reading and debiting it.
  const accounts = await tx.$queryRaw<{ balance: bigint; held: bigint }[]>`
    SELECT "balance", "held" FROM "CreditAccount" WHERE "userId" = ${takeBack.userId} FOR UPDATE`;
  const account = accounts[0] ?? { balance: 0n, held: 0n };
  const available = account.balance - account.held;
  const recovered = takeBack.amount <= available ? takeBack.amount : available > 0n ? available : 0n;
  const shortfall = takeBack.amount - recovered;
  const description =
    shortfall === 0n
      ? takeBack.description
      : `${takeBack.description}; ${formatUsd(recovered)} taken back, ${formatUsd(shortfall)} was already spent or in use`;
  const applied = await applyMovement(tx, { userId: takeBack.userId, kind: takeBack.kind, amount: -recovered, reference: takeBack.reference, description });
  if (!applied) return null;
  if (shortfall > 0n)
    console.warn(`${takeBack.reference}: ${formatUsd(shortfall)} of user ${takeBack.userId}'s credit could not be taken back (already spent or held).`);
  return recovered;
}
