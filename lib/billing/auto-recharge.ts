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
//
// A claim can outlive its process: killed between the claim and Stripe's answer, nothing would ever
// release it, and auto-recharge would stop for good. So a claim records when it was made, and one
// older than CLAIM_TTL_MS is reconciled with Stripe before anything else: the top-up's payment
// intent is looked up (by id, or among the customer's payment intents by our `topup_id` metadata,
// which Stripe's list API returns consistently) and the top-up is settled as Stripe has it —
// credited once if it succeeded, failed if it failed, left waiting if it is still processing, and
// closed as EXPIRED (freeing the slot, nothing charged) if the charge never reached Stripe.
import "server-only";
import Stripe from "stripe";
import { z } from "zod";
import type { Tx } from "@/lib/credits/ledger";
import { db } from "@/lib/db";
import { DomainError } from "@/lib/errors";
import { centsToNanos, dollarAmountSchema, MAX_TOP_UP_CENTS, MIN_TOP_UP_CENTS, nanosToCents } from "./amounts";
import { paymentIntentSchema, topUpMetadataSchema, type PaymentIntentPayload } from "./stripe-events";
import { stripeClient, isStripeConfigured } from "./stripe-client";
import { creditTopUp } from "./top-ups";

/**
 * A claim older than this is checked with Stripe. Longer than one charge attempt can last (the SDK
 * gives up after three 20-second tries), so a live process's charge is never second-guessed.
 */
export const CLAIM_TTL_MS = 5 * 60_000;

/** What the user is told when their bank wants them to confirm an off-session charge. */
const NEEDS_CONFIRMATION = "Your bank asked to confirm this payment. Add credit by hand on the Billing page.";

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
    await reconcileStaleClaimQuietly(userId);
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
  await reconcileStaleClaimQuietly(userId);
}

/** Saving the settings must not leave a dead process's claim behind; Stripe being down must not fail the save. */
async function reconcileStaleClaimQuietly(userId: string): Promise<void> {
  if (!isStripeConfigured()) return;
  await reconcileStaleAutoRecharge(userId).catch((error: unknown) => console.error(`Reconciling the auto-recharge of user ${userId} failed:`, error));
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
      select: { autoRechargeEnabled: true, autoRechargeInFlight: true, autoRechargeClaimedAt: true, autoRechargeThreshold: true },
    });
    if (!profile?.autoRechargeEnabled || profile.autoRechargeThreshold === null) return;
    if (balanceAfter >= profile.autoRechargeThreshold || !isStripeConfigured()) return;
    if (profile.autoRechargeInFlight) {
      if (!isStale(profile.autoRechargeClaimedAt)) return;
      await reconcileStaleAutoRecharge(userId);
    }
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
      UPDATE "BillingProfile" AS bp SET "autoRechargeInFlight" = true, "autoRechargeClaimedAt" = now(), "updatedAt" = now()
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
      await db.$transaction((tx) => failAutoRecharge(tx, { userId, topUpId: claim.topUpId, message: NEEDS_CONFIRMATION }));
    }
  } catch (error) {
    const message = error instanceof Stripe.errors.StripeCardError ? error.message : "Stripe could not charge the saved card.";
    const intentId = error instanceof Stripe.errors.StripeError ? (error.payment_intent?.id ?? null) : null;
    if (!(error instanceof Stripe.errors.StripeCardError)) console.error(`Auto-recharge charge for user ${userId} failed:`, error);
    await db.$transaction((tx) => failAutoRecharge(tx, { userId, topUpId: claim.topUpId, message, paymentIntentId: intentId }));
  }
}

/** The auto-recharge's payment succeeded (webhook): credit it once and free the slot. */
export async function creditAutoRecharge(
  tx: Tx,
  intent: PaymentIntentPayload & { metadata: { user_id: string; topup_id: string } },
  receiptUrl: string | null,
): Promise<void> {
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
    UPDATE "BillingProfile" SET "autoRechargeInFlight" = false, "autoRechargeClaimedAt" = NULL, "updatedAt" = now()
    WHERE "userId" = ${userId} AND "autoRechargeInFlight"
      AND NOT EXISTS (SELECT 1 FROM "TopUp" WHERE "userId" = ${userId} AND "automatic" AND "status" = 'PENDING')`;
}

/** Claims made before claims had a time (null) count as stale too: nothing else would free them. */
function isStale(claimedAt: Date | null): boolean {
  return claimedAt === null || claimedAt.getTime() < Date.now() - CLAIM_TTL_MS;
}

/**
 * Settles the user's automatic top-ups that have been PENDING for longer than CLAIM_TTL_MS as
 * Stripe has them, so that a claim whose process died frees its slot. Safe to run concurrently:
 * every outcome is applied idempotently (credit by payment intent, close only while PENDING).
 */
export async function reconcileStaleAutoRecharge(userId: string): Promise<void> {
  const profile = await db.billingProfile.findUnique({
    where: { userId },
    select: { autoRechargeInFlight: true, autoRechargeClaimedAt: true, stripeCustomerId: true },
  });
  if (!profile?.autoRechargeInFlight || !isStale(profile.autoRechargeClaimedAt)) return;
  const stale = await db.topUp.findMany({
    where: { userId, automatic: true, status: "PENDING", createdAt: { lt: new Date(Date.now() - CLAIM_TTL_MS) } },
    select: { id: true, paymentIntentId: true, createdAt: true },
  });
  for (const topUp of stale) {
    const intentId = topUp.paymentIntentId ?? (profile.stripeCustomerId ? await findAutoRechargeIntent(profile.stripeCustomerId, topUp) : null);
    const intent = intentId ? paymentIntentSchema.parse(await stripeClient().paymentIntents.retrieve(intentId, { expand: ["latest_charge"] })) : null;
    await settleStaleTopUp(userId, topUp.id, intent);
  }
  // Frees the slot unless a top-up is still PENDING (one Stripe is still processing keeps it).
  await db.$transaction((tx) => releaseAutoRechargeSlot(tx, userId));
}

/**
 * The payment intent our charge for `topUp` created, if it reached Stripe: the customer's intents
 * created since shortly before the claim (Stripe's clock may differ from ours), matched on the
 * `topup_id` metadata every auto-recharge carries.
 */
async function findAutoRechargeIntent(customer: string, topUp: { id: string; createdAt: Date }): Promise<string | null> {
  const since = Math.floor(topUp.createdAt.getTime() / 1000) - 300;
  for await (const intent of stripeClient().paymentIntents.list({ customer, created: { gte: since }, limit: 100 })) {
    if (intent.metadata?.topup_id === topUp.id) return intent.id;
  }
  return null;
}

async function settleStaleTopUp(userId: string, topUpId: string, intent: PaymentIntentPayload | null): Promise<void> {
  const metadata = topUpMetadataSchema.safeParse(intent?.metadata);
  if (!intent || !metadata.success || metadata.data.topup_id !== topUpId || metadata.data.user_id !== userId) {
    await db.$transaction(async (tx) => {
      await tx.topUp.updateMany({
        where: { id: topUpId, status: "PENDING" },
        data: { status: "EXPIRED", failureMessage: "This automatic top-up was interrupted before the card was charged." },
      });
      await releaseAutoRechargeSlot(tx, userId);
    });
    return;
  }
  switch (intent.status) {
    case "succeeded": {
      const receiptUrl = typeof intent.latest_charge === "object" ? (intent.latest_charge?.receipt_url ?? null) : null;
      await db.$transaction((tx) => creditAutoRecharge(tx, { ...intent, metadata: metadata.data }, receiptUrl));
      return;
    }
    case "processing":
      // Stripe will report the outcome; look again only after another full TTL.
      await db.$transaction([
        db.topUp.updateMany({ where: { id: topUpId, status: "PENDING" }, data: { paymentIntentId: intent.id } }),
        db.billingProfile.updateMany({ where: { userId, autoRechargeInFlight: true }, data: { autoRechargeClaimedAt: new Date() } }),
      ]);
      return;
    case "requires_payment_method":
    case "canceled": {
      const message = intent.last_payment_error?.message ?? "The payment failed.";
      await db.$transaction((tx) => failAutoRecharge(tx, { userId, topUpId, message, paymentIntentId: intent.id }));
      return;
    }
    default:
      await db.$transaction((tx) => failAutoRecharge(tx, { userId, topUpId, message: NEEDS_CONFIRMATION, paymentIntentId: intent.id }));
  }
}
