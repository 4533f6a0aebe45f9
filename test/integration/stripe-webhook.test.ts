import { describe, expect, it } from "vitest";
import { startTopUpCheckout } from "@/lib/billing/checkout";
import { getBalance, ledgerTotal } from "@/lib/credits/ledger";
import { usdToNanos } from "@/lib/credits/money";
import { reserveCredit } from "@/lib/credits/reservations";
import { db } from "@/lib/db";
import { createUser } from "../support/factories";
import { deliverStripeWebhook, stripeEvent, stripeFake, testStripeClient } from "../support/stripe-fake";

const fake = stripeFake();

/** A user who went through Checkout for `cents` and paid: the paid session, not yet reported to us. */
async function paidCheckout(cents: number) {
  const user = await createUser("webhook");
  const { topUpId } = await startTopUpCheckout({ user, amountCents: cents, origin: process.env.APP_URL! });
  const topUp = await db.topUp.findUniqueOrThrow({ where: { id: topUpId } });
  const session = await fake.completeCheckoutSession(topUp.stripeSessionId!);
  return { user, topUpId, session };
}

async function accountState(userId: string) {
  return {
    balance: (await getBalance(userId)).balance,
    ledger: await db.ledgerEntry.findMany({ where: { userId }, orderBy: { id: "asc" }, select: { kind: true, amount: true, reference: true } }),
    topUps: await db.topUp.findMany({ where: { userId }, select: { status: true, refunded: true } }),
  };
}

describe("the Stripe webhook", () => {
  it("credits a paid Checkout Session once, with its receipt and saved card, however often it is delivered", async () => {
    const { user, topUpId, session } = await paidCheckout(1_000);
    const completed = stripeEvent("checkout.session.completed", session);

    const first = await deliverStripeWebhook(completed.payload);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ received: true, outcome: "processed" });

    const replays = await Promise.all([
      deliverStripeWebhook(completed.payload),
      deliverStripeWebhook(completed.payload),
      // Stripe also reports delayed payment methods with another event about the same session.
      deliverStripeWebhook(stripeEvent("checkout.session.async_payment_succeeded", session).payload),
    ]);
    expect(replays.map((r) => r.status)).toEqual([200, 200, 200]);

    expect((await getBalance(user.id)).balance).toBe(usdToNanos("10"));
    expect(await ledgerTotal(user.id)).toBe(usdToNanos("10"));
    const entries = await db.ledgerEntry.findMany({ where: { userId: user.id } });
    expect(entries).toMatchObject([{ kind: "TOP_UP", amount: usdToNanos("10"), reference: `stripe-session:${session.id}` }]);

    const topUp = await db.topUp.findUniqueOrThrow({ where: { id: topUpId } });
    expect(topUp.status).toBe("CREDITED");
    expect(topUp.paymentIntentId).toBe(session.payment_intent);
    expect(topUp.receiptUrl).toMatch(/^https:\/\/pay\.stripe\.com\/receipts\//);
    const profile = await db.billingProfile.findUniqueOrThrow({ where: { userId: user.id } });
    expect(profile.stripeCustomerId).toBe(session.customer);
    expect(profile.defaultPaymentMethod).toMatch(/^pm_/);
  });

  it("credits once when the same event is delivered 20 times concurrently", async () => {
    const { user, session } = await paidCheckout(2_500);
    const completed = stripeEvent("checkout.session.completed", session);

    const responses = await Promise.all(Array.from({ length: 20 }, () => deliverStripeWebhook(completed.payload)));
    const outcomes = await Promise.all(responses.map((r) => r.json() as Promise<{ outcome: string }>));

    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(outcomes.filter((o) => o.outcome === "processed")).toHaveLength(1);
    expect((await getBalance(user.id)).balance).toBe(usdToNanos("25"));
    expect(await db.ledgerEntry.count({ where: { userId: user.id } })).toBe(1);
    expect(await db.stripeEvent.count({ where: { id: completed.id } })).toBe(1);
  });

  it("rejects a tampered payload, a stale signature or a malformed object with 400 and changes nothing", async () => {
    const { user, session } = await paidCheckout(1_000);
    const completed = stripeEvent("checkout.session.completed", session);
    const before = await accountState(user.id);

    const tampered = completed.payload.replace(`"amount_total":1000`, `"amount_total":100000`);
    expect(tampered).not.toBe(completed.payload);
    const attempts = [
      await deliverStripeWebhook(tampered, { signedPayload: completed.payload }),
      await deliverStripeWebhook(completed.payload, { timestamp: Math.floor(Date.now() / 1000) - 600 }),
      await fetch(`${process.env.APP_URL}/api/stripe/webhook`, { method: "POST", body: completed.payload }),
      await deliverStripeWebhook(stripeEvent("checkout.session.completed", { ...session, amount_total: "ten dollars" }).payload),
    ];

    expect(attempts.map((r) => r.status)).toEqual([400, 400, 400, 400]);
    expect(await accountState(user.id)).toEqual(before);
    expect(before.topUps).toEqual([{ status: "PENDING", refunded: 0n }]);
    expect(await db.stripeEvent.count({ where: { id: completed.id } })).toBe(0);

    // The genuine delivery still works afterwards.
    expect((await deliverStripeWebhook(completed.payload)).status).toBe(200);
    expect((await getBalance(user.id)).balance).toBe(usdToNanos("10"));
  });

  it("acknowledges an event type it doesn't handle and changes nothing", async () => {
    const { user, session } = await paidCheckout(1_000);
    const before = await accountState(user.id);
    const unknown = stripeEvent("customer.subscription.trial_will_end", { id: "sub_123", object: "subscription", metadata: session.metadata });

    const response = await deliverStripeWebhook(unknown.payload);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ received: true, outcome: "ignored" });
    expect(await accountState(user.id)).toEqual(before);
    expect(await db.stripeEvent.count({ where: { id: unknown.id } })).toBe(0);
  });

  it("takes refunds back once each, and never more than the credit not spent or held", async () => {
    const { user, topUpId, session } = await paidCheckout(2_500);
    await deliverStripeWebhook(stripeEvent("checkout.session.completed", session).payload);
    const stripe = testStripeClient();
    const intent = await stripe.paymentIntents.retrieve(String(session.payment_intent));
    const chargeId = String(intent.latest_charge);

    await stripe.refunds.create({ charge: chargeId, amount: 1_000 });
    const firstRefund = stripeEvent("charge.refunded", await stripe.charges.retrieve(chargeId));
    await Promise.all([deliverStripeWebhook(firstRefund.payload), deliverStripeWebhook(firstRefund.payload)]);
    expect((await getBalance(user.id)).balance).toBe(usdToNanos("15"));

    // $12 of the remaining $15 is held by an in-flight request when the rest of the charge is refunded.
    await reserveCredit({ userId: user.id, apiKeyId: null, modelId: "test-model", endpoint: "chat.completions", source: "API", amount: usdToNanos("12") });
    await stripe.refunds.create({ charge: chargeId });
    const secondRefund = stripeEvent("charge.refunded", await stripe.charges.retrieve(chargeId));
    expect((await deliverStripeWebhook(secondRefund.payload)).status).toBe(200);
    expect((await deliverStripeWebhook(secondRefund.payload)).status).toBe(200);

    const refunds = await db.ledgerEntry.findMany({ where: { userId: user.id, kind: "REFUND" }, orderBy: { id: "asc" } });
    expect(refunds.map((r) => r.amount)).toEqual([-usdToNanos("10"), -usdToNanos("3")]);
    expect(refunds[1]!.description).toContain("$12.00 was already spent or in use");
    const balance = await getBalance(user.id);
    expect(balance).toEqual({ balance: usdToNanos("12"), held: usdToNanos("12"), available: 0n });
    expect(await ledgerTotal(user.id)).toBe(balance.balance);
    expect(await db.topUp.findUniqueOrThrow({ where: { id: topUpId } })).toMatchObject({ status: "REFUNDED", refunded: usdToNanos("25") });
  });
});
