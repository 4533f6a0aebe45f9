// Top-ups through Stripe Checkout: a TopUp row is created first (PENDING), its id travels in the
// Checkout Session's metadata and idempotency key, and the webhook (lib/billing/webhook.ts) credits
// it when Stripe reports the session paid. Every Checkout saves the card for later off-session
// charges (`setup_future_usage: off_session`) so that auto-recharge can use it.
import "server-only";
import type Stripe from "stripe";
import type { Tx } from "@/lib/credits/ledger";
import { db } from "@/lib/db";
import { DomainError } from "@/lib/errors";
import { centsToNanos, formatCents, MAX_TOP_UP_CENTS, MIN_TOP_UP_CENTS } from "./amounts";
import type { CheckoutSessionPayload } from "./stripe-events";
import { callStripe } from "./stripe-client";
import { creditTopUp } from "./top-ups";

/** The Stripe customer of a user, created on first need and kept in BillingProfile. */
export async function ensureStripeCustomer(user: { id: string; email: string }): Promise<string> {
  const profile = await db.billingProfile.findUnique({ where: { userId: user.id }, select: { stripeCustomerId: true } });
  if (profile?.stripeCustomerId) return profile.stripeCustomerId;
  // The idempotency key makes two concurrent first top-ups get the same customer from Stripe.
  const customer = await callStripe(
    (stripe) => stripe.customers.create({ email: user.email, metadata: { user_id: user.id } }, { idempotencyKey: `customer:${user.id}` }),
    "Stripe could not be reached to start the payment. Please try again in a minute.",
  );
  const rows = await db.$queryRaw<{ stripeCustomerId: string }[]>`
    INSERT INTO "BillingProfile" ("userId", "stripeCustomerId", "updatedAt") VALUES (${user.id}, ${customer.id}, now())
    ON CONFLICT ("userId") DO UPDATE SET "stripeCustomerId" = COALESCE("BillingProfile"."stripeCustomerId", EXCLUDED."stripeCustomerId"), "updatedAt" = now()
    RETURNING "stripeCustomerId"`;
  return rows[0]?.stripeCustomerId ?? customer.id;
}

/**
 * Creates a PENDING top-up and its Checkout Session; returns the URL of Stripe's payment page.
 * `origin` is the console's public origin, where Checkout sends the user back.
 */
export async function startTopUpCheckout(input: {
  user: { id: string; email: string };
  amountCents: number;
  origin: string;
}): Promise<{ topUpId: string; url: string }> {
  const { user, amountCents, origin } = input;
  if (!Number.isInteger(amountCents) || amountCents < MIN_TOP_UP_CENTS || amountCents > MAX_TOP_UP_CENTS) {
    throw new DomainError("invalid_request", `Top-ups are between ${formatCents(MIN_TOP_UP_CENTS)} and ${formatCents(MAX_TOP_UP_CENTS)}.`, { param: "amount" });
  }
  const customer = await ensureStripeCustomer(user);
  const topUp = await db.topUp.create({ data: { userId: user.id, amount: centsToNanos(amountCents) } });
  const metadata = { user_id: user.id, topup_id: topUp.id, purpose: "top_up" };
  const returnUrl = (outcome: "success" | "cancelled") => `${origin}/billing/top-ups/${topUp.id}?checkout=${outcome}`;
  const params: Stripe.Checkout.SessionCreateParams = {
    mode: "payment",
    customer,
    client_reference_id: user.id,
    line_items: [
      {
        quantity: 1,
        price_data: {
          currency: "usd",
          unit_amount: amountCents,
          product_data: { name: "EcoLink credit", description: `${formatCents(amountCents)} of API credit` },
        },
      },
    ],
    payment_intent_data: { setup_future_usage: "off_session", description: "EcoLink credit top-up", metadata },
    metadata,
    success_url: returnUrl("success"),
    cancel_url: returnUrl("cancelled"),
  };
  try {
    const session = await callStripe(
      (stripe) => stripe.checkout.sessions.create(params, { idempotencyKey: `checkout-session:${topUp.id}` }),
      "Stripe could not be reached to start the payment. Please try again in a minute.",
    );
    if (!session.url) throw new DomainError("upstream_error", "Stripe did not return a payment page. Please try again.");
    await db.topUp.update({ where: { id: topUp.id }, data: { stripeSessionId: session.id } });
    return { topUpId: topUp.id, url: session.url };
  } catch (error) {
    await db.topUp.update({ where: { id: topUp.id }, data: { status: "FAILED", failureMessage: "Checkout could not be started." } });
    throw error;
  }
}

/** What Stripe says about the payment behind a paid Checkout Session, fetched before crediting it. */
export interface CheckoutPayment {
  paymentIntentId: string;
  paymentMethod: string | null;
  receiptUrl: string | null;
}

/**
 * Credits a paid Checkout Session's top-up once (reference "stripe-session:<id>"), and remembers
 * the customer and the card Checkout saved, for auto-recharge.
 */
export async function creditCheckoutSession(
  tx: Tx,
  session: CheckoutSessionPayload,
  metadata: { user_id: string; topup_id: string },
  payment: CheckoutPayment | null,
): Promise<void> {
  if (session.currency !== "usd" || session.amount_total === null) {
    console.error(`Checkout Session ${session.id} was paid in ${session.currency ?? "no currency"}; only usd top-ups are credited.`);
    return;
  }
  const credited = await creditTopUp(tx, {
    topUpId: metadata.topup_id,
    userId: metadata.user_id,
    amountCents: session.amount_total,
    reference: `stripe-session:${session.id}`,
    description: "Top-up",
    paymentIntentId: payment?.paymentIntentId ?? null,
    receiptUrl: payment?.receiptUrl ?? null,
  });
  if (credited && session.customer) {
    const card = payment?.paymentMethod ? { defaultPaymentMethod: payment.paymentMethod } : {};
    await tx.billingProfile.upsert({
      where: { userId: metadata.user_id },
      create: { userId: metadata.user_id, stripeCustomerId: session.customer, ...card },
      update: { stripeCustomerId: session.customer, ...card },
    });
  }
}
