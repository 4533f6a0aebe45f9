// Auto-recharge: when a request's settlement leaves the balance under the user's threshold, charge
// the card saved at their first Checkout, off-session, for the chosen amount.
//
// Exactly one charge at a time per user: a charge starts only by flipping
// BillingProfile.autoRechargeInFlight from false to true in a conditional UPDATE (which also
// re-checks the balance), so any number of concurrent settlements start at most one. The claim is
// released when the payment's outcome is known: `payment_intent.succeeded` credits the top-up
// (idempotently, by payment intent) and releases it; a decline, from the API call itself or from
// `payment_intent.payment_failed`, records the reason, turns auto-recharge off (retrying a declined
// card on every request would be a storm of charges) and releases it. The user turns it back on.
import "server-only";
import Stripe from "stripe";
import { z } from "zod";
import type { Tx } from "@/lib/credits/ledger";
import { db } from "@/lib/db";
import { DomainError } from "@/lib/errors";
import { centsToNanos, dollarAmountSchema, MAX_TOP_UP_CENTS, MIN_TOP_UP_CENTS, nanosToCents } from "./amounts";
import type { PaymentIntentPayload } from "./stripe-events";
import { stripeClient, isStripeConfigured } from "./stripe-client";
import { creditTopUp } from "./top-ups";

export const autoRechargeSettingsSchema = z.discriminatedUnion("enabled", [
  z.object({ enabled: z.literal(false) }),
  z.object({
    enabled: z.literal(true),
    thresholdCents: dollarAmountSchema({ min: 100, max: MAX_TOP_UP_CENTS, label: "a threshold" }),
    amountCents: dollarAmountSchema({ min: MIN_TOP_UP_CENTS, max: MAX_TOP_UP_CENTS, label: "a recharge amount" }),
  }),
]);
export type AutoRechargeSettings = z.output<typeof autoRechargeSettingsSchema>;

export interface AutoRechargeState {
  enabled: boolean;
  thresholdCents: number | null;
  amountCents: number | null;
  /** A card was saved at a Checkout; auto-recharge can only be turned on with one. */
  hasSavedCard: boolean;
  inFlight: boolean;
  lastError: string | null;
}

export async function getAutoRechargeState(userId: string): Promise<AutoRechargeState> {
  const profile = await db.billingProfile.findUnique({ where: { userId } });
  return {
    enabled: profile?.autoRechargeEnabled ?? false,
    thresholdCents: profile?.autoRechargeThreshold != null ? nanosToCents(profile.autoRechargeThreshold) : null,
    amountCents: profile?.autoRechargeAmount != null ? nanosToCents(profile.autoRechargeAmount) : null,
    hasSavedCard: Boolean(profile?.stripeCustomerId && profile.defaultPaymentMethod),
    inFlight: profile?.autoRechargeInFlight ?? false,
    lastError: profile?.lastAutoRechargeError ?? null,
  };
}

/** Turns auto-recharge on (with its threshold and amount) or off. Turning it on clears the last error. */
export async function saveAutoRechargeSettings(userId: string, settings: AutoRechargeSettings): Promise<void> {
  if (!settings.enabled) {
    await db.billingProfile.updateMany({ where: { userId }, data: { autoRechargeEnabled: false } });
    return;
  }
  const profile = await db.billingProfile.findUnique({ where: { userId }, select: { stripeCustomerId: true, defaultPaymentMethod: true } });
  if (!profile?.stripeCustomerId || !profile.defaultPaymentMethod) {
    throw new DomainError("invalid_request", "Add credit once with a card first: auto-recharge charges the card you pay with at checkout.");
  }
  await db.billingProfile.update({
    where: { userId },
    data: {
      autoRechargeEnabled: true,
      autoRechargeThreshold: centsToNanos(settings.thresholdCents),
      autoRechargeAmount: centsToNanos(settings.amountCents),
      lastAutoRechargeError: null,
    },
  });
}

/**
 * Called by the gateway after each settlement with the balance it left. Cheap when auto-recharge
 * is off (one primary-key read), starts at most one charge however many settlements cross the
 * threshold at once, and never throws: a failed recharge must not fail the request that
 * triggered it (the failure is shown on the billing page instead).
 */
export async function maybeAutoRecharge(userId: string, balanceAfter: bigint): Promise<void> {
  try {
    const profile = await db.billingProfile.findUnique({
      where: { userId },
      select: { autoRechargeEnabled: true, autoRechargeInFlight: true, autoRechargeThreshold: true },
    });
    if (!profile?.autoRechargeEnabled || profile.autoRechargeInFlight || profile.autoRechargeThreshold === null) return;
    if (balanceAfter >= profile.autoRechargeThreshold || !isStripeConfigured()) return;
    const claim = await claimAutoRecharge(userId);
    if (claim) await chargeSavedCard(userId, claim);
  } catch (error) {
    console.error(`Auto-recharge for user ${userId} failed:`, error);
  }
}

interface Claim {
  topUpId: string;
  amount: bigint;
  customer: string;
  paymentMethod: string;
}

/** Takes the user's one auto-recharge slot and opens its PENDING top-up, atomically; null when taken or not needed. */
async function claimAutoRecharge(userId: string): Promise<Claim | null> {
  return db.$transaction(async (tx) => {
    const claimed = await tx.$queryRaw<{ amount: bigint; customer: string; paymentMethod: string }[]>`
      UPDATE "BillingProfile" AS bp SET "autoRechargeInFlight" = true, "updatedAt" = now()
      WHERE bp."userId" = ${userId} AND bp."autoRechargeEnabled" AND NOT bp."autoRechargeInFlight"
        AND bp."autoRechargeAmount" IS NOT NULL AND bp."stripeCustomerId" IS NOT NULL AND bp."defaultPaymentMethod" IS NOT NULL
        AND EXISTS (SELECT 1 FROM "CreditAccount" AS ca WHERE ca."userId" = bp."userId" AND ca."balance" < bp."autoRechargeThreshold")
      RETURNING bp."autoRechargeAmount" AS amount, bp."stripeCustomerId" AS customer, bp."defaultPaymentMethod" AS "paymentMethod"`;
    const row = claimed[0];
    if (!row) return null;
    const topUp = await tx.topUp.create({ data: { userId, amount: row.amount, automatic: true } });
    return { topUpId: topUp.id, ...row };
  });
}

async function chargeSavedCard(userId: string, claim: Claim): Promise<void> {
  try {
    const intent = await stripeClient().paymentIntents.create(
      {
        amount: nanosToCents(claim.amount),
        currency: "usd",
        customer: claim.customer,
        payment_method: claim.paymentMethod,
        off_session: true,
        confirm: true,
        description: "EcoLink auto-recharge",
        metadata: { user_id: userId, topup_id: claim.topUpId, purpose: "auto_recharge" },
      },
      { idempotencyKey: `auto-recharge:${claim.topUpId}` },
    );
    await db.topUp.update({ where: { id: claim.topUpId }, data: { paymentIntentId: intent.id } });
    // "succeeded" and "processing" end in payment_intent.succeeded / payment_failed webhooks.
    if (intent.status !== "succeeded" && intent.status !== "processing") {
      await db.$transaction((tx) => failAutoRecharge(tx, { userId, topUpId: claim.topUpId, message: "Your bank asked to confirm this payment. Add credit by hand on the Billing page." }));
    }
  } catch (error) {
    const message = error instanceof Stripe.errors.StripeCardError ? error.message : "Stripe could not charge the saved card.";
    const intentId = error instanceof Stripe.errors.StripeError ? (error.payment_intent?.id ?? null) : null;
    if (!(error instanceof Stripe.errors.StripeCardError)) console.error(`Auto-recharge charge for user ${userId} failed:`, error);
    await db.$transaction((tx) => failAutoRecharge(tx, { userId, topUpId: claim.topUpId, message, paymentIntentId: intentId }));
  }
}

/** The auto-recharge's payment succeeded (webhook): credit it once and free the slot. */
export async function creditAutoRecharge(tx: Tx, intent: PaymentIntentPayload & { metadata: { user_id: string; topup_id: string } }, receiptUrl: string | null): Promise<void> {
  const userId = intent.metadata.user_id;
  await creditTopUp(tx, {
    topUpId: intent.metadata.topup_id,
    userId,
    amountCents: intent.amount_received,
    reference: `stripe-payment-intent:${intent.id}`,
    description: "Auto-recharge",
    paymentIntentId: intent.id,
    receiptUrl,
  });
  await tx.billingProfile.updateMany({ where: { userId }, data: { lastAutoRechargeError: null } });
  await releaseAutoRechargeSlot(tx, userId);
}

/** The auto-recharge's payment failed: record why, turn auto-recharge off, free the slot. A settled top-up is left alone. */
export async function failAutoRecharge(tx: Tx, failure: { userId: string; topUpId: string; message: string; paymentIntentId?: string | null }): Promise<void> {
  const closed = await tx.topUp.updateMany({
    where: { id: failure.topUpId, userId: failure.userId, status: "PENDING" },
    data: { status: "FAILED", failureMessage: failure.message, ...(failure.paymentIntentId ? { paymentIntentId: failure.paymentIntentId } : {}) },
  });
  if (closed.count === 0) return;
  await tx.billingProfile.updateMany({ where: { userId: failure.userId }, data: { autoRechargeEnabled: false, lastAutoRechargeError: failure.message } });
  await releaseAutoRechargeSlot(tx, failure.userId);
}

/** Frees the slot unless another automatic top-up is still waiting for its outcome. */
async function releaseAutoRechargeSlot(tx: Tx, userId: string): Promise<void> {
  await tx.$executeRaw`
    UPDATE "BillingProfile" SET "autoRechargeInFlight" = false, "updatedAt" = now()
    WHERE "userId" = ${userId} AND "autoRechargeInFlight"
      AND NOT EXISTS (SELECT 1 FROM "TopUp" WHERE "userId" = ${userId} AND "automatic" AND "status" = 'PENDING')`;
}
