// Stripe webhooks: verify the signature on the raw body, check the payload's shape, and apply each
// event exactly once. The event id is inserted into StripeEvent in the same transaction that moves
// the money, so a replayed, duplicated or concurrent delivery finds it there (or waits on it) and
// changes nothing; the ledger's unique references ("stripe-session:…", "stripe-payment-intent:…",
// "stripe-refund:…", "stripe-dispute:…") make a second, different event about the same payment a
// no-op as well.
// What must be read from Stripe (receipt URLs, the saved card, refunds, disputes) is read before the
// transaction, so that it stays short; if Stripe can't be reached we answer 500 and Stripe retries.
import "server-only";
import Stripe from "stripe";
import type { z } from "zod";
import type { Tx } from "@/lib/credits/ledger";
import { db } from "@/lib/db";
import { DomainError } from "@/lib/errors";
import { creditAutoRecharge, failAutoRecharge } from "./auto-recharge";
import { creditCheckoutSession, type CheckoutPayment } from "./checkout";
import { applyDispute } from "./disputes";
import { applyChargeRefunds } from "./refunds";
import { stripeClient, webhookSecret } from "./stripe-client";
import {
  chargeSchema,
  checkoutSessionSchema,
  disputeSchema,
  paymentIntentSchema,
  refundSchema,
  stripeEventSchema,
  topUpMetadataSchema,
  type RefundPayload,
  type StripeEventEnvelope,
} from "./stripe-events";
import { closeUnpaidTopUp } from "./top-ups";

export type WebhookOutcome = "processed" | "duplicate" | "ignored";

/** Stripe events are a few kilobytes; anything past this is not from Stripe. */
export const STRIPE_WEBHOOK_MAX_BYTES = 1024 * 1024;
/** How far in the future a signature's timestamp may be (our clock may lag Stripe's a little). */
const FUTURE_TOLERANCE_SECONDS = 60;

/**
 * The event in a webhook delivery, if Stripe signed this exact body recently: at most 5 minutes ago
 * (the SDK's default tolerance) and not more than a minute ahead of our clock (the SDK only refuses
 * old timestamps; a future-dated one would stay replayable for as long as it is in the future).
 */
export function verifyStripeEvent(payload: string, signature: string | null): StripeEventEnvelope {
  if (!signature) throw new DomainError("invalid_request", "Missing the Stripe-Signature header.");
  let event: unknown;
  try {
    event = stripeClient().webhooks.constructEvent(payload, signature, webhookSecret());
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
      throw new DomainError("invalid_request", "The Stripe signature does not match this payload, or it is too old.");
    }
    // The SDK parses the body only once the signature matched.
    if (error instanceof SyntaxError) throw new DomainError("invalid_request", "The payload is signed but is not JSON, so it is not a Stripe event.");
    throw error;
  }
  if (signedAt(signature) > Date.now() / 1000 + FUTURE_TOLERANCE_SECONDS) {
    throw new DomainError("invalid_request", "The Stripe signature is dated in the future; check this server's clock.");
  }
  const parsed = stripeEventSchema.safeParse(event);
  if (!parsed.success) throw new DomainError("invalid_request", "The payload is not a Stripe event.");
  return parsed.data;
}

/** The `t=` timestamp of a Stripe-Signature header (`t=1700000000,v1=…`) the SDK has verified. */
function signedAt(signature: string): number {
  const timestamp = signature.split(",").find((part) => part.startsWith("t="));
  return Number(timestamp?.slice(2));
}

/** Applies a verified event once; unknown types are acknowledged and ignored. */
export async function processStripeEvent(event: StripeEventEnvelope): Promise<WebhookOutcome> {
  const plan = planFor(event.type);
  if (!plan) return "ignored";
  if (await db.stripeEvent.findUnique({ where: { id: event.id }, select: { id: true } })) return "duplicate";
  const apply = await plan(event.data.object);
  const processed = await db.$transaction(async (tx) => {
    const claimed = await tx.$queryRaw<{ id: string }[]>`
      INSERT INTO "StripeEvent" ("id", "type", "processedAt") VALUES (${event.id}, ${event.type}, now())
      ON CONFLICT ("id") DO NOTHING RETURNING "id"`;
    if (claimed.length === 0) return false;
    await apply(tx);
    return true;
  });
  return processed ? "processed" : "duplicate";
}

/** Reads what the event needs from Stripe, and returns the database work to do in the event's transaction. */
type Plan = (object: Record<string, unknown>) => Promise<(tx: Tx) => Promise<void>>;

const nothing = async () => {};

function parseObject<T extends z.ZodType>(schema: T, object: unknown): z.output<T> {
  const parsed = schema.safeParse(object);
  if (!parsed.success)
    throw new DomainError("invalid_request", `Unexpected Stripe object: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

function planFor(type: string): Plan | null {
  switch (type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded":
      return async (object) => {
        const session = parseObject(checkoutSessionSchema, object);
        const metadata = topUpMetadataSchema.safeParse(session.metadata);
        // Sessions without our metadata were made by something else on this Stripe account.
        if (!metadata.success || session.payment_status !== "paid") return nothing;
        const payment = session.payment_intent ? await retrieveCheckoutPayment(session.payment_intent) : null;
        return (tx) => creditCheckoutSession(tx, session, metadata.data, payment);
      };
    case "checkout.session.async_payment_failed":
    case "checkout.session.expired":
      return async (object) => {
        const session = parseObject(checkoutSessionSchema, object);
        const metadata = topUpMetadataSchema.safeParse(session.metadata);
        if (!metadata.success) return nothing;
        return type === "checkout.session.expired"
          ? (tx) => closeUnpaidTopUp(tx, metadata.data.topup_id, "EXPIRED", "Checkout expired before payment.")
          : (tx) => closeUnpaidTopUp(tx, metadata.data.topup_id, "FAILED", "The payment did not go through.");
      };
    case "payment_intent.succeeded":
    case "payment_intent.payment_failed":
      return async (object) => {
        const intent = parseObject(paymentIntentSchema, object);
        const metadata = topUpMetadataSchema.safeParse(intent.metadata);
        // Checkout's own payment intents are credited through their session.
        if (!metadata.success || metadata.data.purpose !== "auto_recharge") return nothing;
        const { user_id: userId, topup_id: topUpId } = metadata.data;
        if (type === "payment_intent.payment_failed") {
          const message = intent.last_payment_error?.message ?? "The payment failed.";
          return (tx) => failAutoRecharge(tx, { userId, topUpId, message, paymentIntentId: intent.id });
        }
        const receiptUrl = await receiptUrlOf(intent.latest_charge ?? null);
        return (tx) => creditAutoRecharge(tx, { ...intent, metadata: metadata.data }, receiptUrl);
      };
    case "charge.refunded":
      return async (object) => {
        const charge = parseObject(chargeSchema, object);
        const refunds = await listRefunds(charge.id);
        return (tx) => applyChargeRefunds(tx, charge, refunds);
      };
    case "charge.dispute.created":
    case "charge.dispute.closed":
      return async (object) => {
        // Acted on as it stands now, so that a late `created` can't undo a `closed` already applied.
        const { id } = parseObject(disputeSchema, object);
        const dispute = parseObject(disputeSchema, await stripeClient().disputes.retrieve(id));
        const paymentIntentId = dispute.payment_intent ?? parseObject(chargeSchema, await stripeClient().charges.retrieve(dispute.charge)).payment_intent;
        return (tx) => applyDispute(tx, dispute, paymentIntentId);
      };
    default:
      return null;
  }
}

async function retrieveCheckoutPayment(paymentIntentId: string): Promise<CheckoutPayment> {
  const intent = parseObject(paymentIntentSchema, await stripeClient().paymentIntents.retrieve(paymentIntentId, { expand: ["latest_charge"] }));
  return { paymentIntentId: intent.id, paymentMethod: intent.payment_method, receiptUrl: await receiptUrlOf(intent.latest_charge ?? null) };
}

async function receiptUrlOf(charge: string | { id: string; receipt_url?: string | null } | null): Promise<string | null> {
  if (charge === null) return null;
  if (typeof charge === "object") return charge.receipt_url ?? null;
  return parseObject(chargeSchema, await stripeClient().charges.retrieve(charge)).receipt_url ?? null;
}

/** The charge's refunds, from the API: since API version 2022-11-15 events no longer embed them. */
async function listRefunds(chargeId: string): Promise<RefundPayload[]> {
  const refunds: RefundPayload[] = [];
  for await (const refund of stripeClient().refunds.list({ charge: chargeId, limit: 100 })) refunds.push(parseObject(refundSchema, refund));
  return refunds;
}
