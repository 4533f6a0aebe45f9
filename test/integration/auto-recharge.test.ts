import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maybeAutoRecharge, saveAutoRechargeSettings } from "@/lib/billing/auto-recharge";
import { startTopUpCheckout } from "@/lib/billing/checkout";
import { getBalance, ledgerTotal } from "@/lib/credits/ledger";
import { usdToNanos } from "@/lib/credits/money";
import { reserveCredit, settleRequest } from "@/lib/credits/reservations";
import { db } from "@/lib/db";
import { createUser } from "../support/factories";
import { deliverStripeWebhook, stripeEvent, stripeFake, testStripeClient } from "../support/stripe-fake";
import { startUpstreamServer, type UpstreamServer } from "../support/upstream-server";
import { eventually, expectSettledBooks, newApiKey, postJson, registerUpstreamModel } from "../support/v1-fixtures";

const fake = stripeFake();
let upstream: UpstreamServer;

beforeAll(async () => {
  upstream = await startUpstreamServer();
});

afterAll(async () => {
  await upstream?.close();
});

/** A user with $10 from a first Checkout (which saved their card) and auto-recharge of $20 under $9. */
async function userWithAutoRecharge() {
  const user = await createUser("recharge");
  const { topUpId } = await startTopUpCheckout({ user, amountCents: 1_000, origin: process.env.APP_URL! });
  const { stripeSessionId } = await db.topUp.findUniqueOrThrow({ where: { id: topUpId } });
  const session = await fake.completeCheckoutSession(stripeSessionId!);
  expect((await deliverStripeWebhook(stripeEvent("checkout.session.completed", session).payload)).status).toBe(200);
  await saveAutoRechargeSettings(user.id, { enabled: true, thresholdCents: 900, amountCents: 2_000 });
  return user;
}

/**
 * 20 requests in flight at once, each costing $0.30, finishing together: each is settled, and the
 * 17 whose settlement leaves the balance under the $9 threshold try to start a recharge, as the
 * gateway does.
 */
async function twentyConcurrentRequests(userId: string) {
  const reservations = await Promise.all(
    Array.from({ length: 20 }, () => reserveCredit({ userId, apiKeyId: null, modelId: "test-model", endpoint: "chat.completions", source: "API", amount: usdToNanos("0.40") })),
  );
  const settlements = (await Promise.all(reservations.map((r) => settleRequest(r.requestId, { status: "SUCCEEDED", cost: usdToNanos("0.30") })))).map((s) => s!);
  const due = settlements.filter((s) => s.autoRechargeDue);
  expect(due.map((s) => s.balanceAfter).every((balance) => balance < usdToNanos("9"))).toBe(true);
  expect(due).toHaveLength(17);
  await Promise.all(due.map((s) => maybeAutoRecharge(userId, s.balanceAfter)));
}

async function paymentIntentsCreatedFor(userId: string) {
  const created = await fake.requests({ method: "POST", path: "/v1/payment_intents" });
  return created.filter((r) => (r.params.metadata as Record<string, string> | undefined)?.user_id === userId);
}

describe("auto-recharge", () => {
  it("charges the saved card exactly once when 20 concurrent settlements cross the threshold, and credits once on payment_intent.succeeded", async () => {
    const user = await userWithAutoRecharge();
    const profile = await db.billingProfile.findUniqueOrThrow({ where: { userId: user.id } });

    await twentyConcurrentRequests(user.id);

    const [charge, ...others] = await paymentIntentsCreatedFor(user.id);
    expect(others).toHaveLength(0);
    const topUp = await db.topUp.findFirstOrThrow({ where: { userId: user.id, automatic: true } });
    expect(charge).toMatchObject({
      idempotencyKey: `auto-recharge:${topUp.id}`,
      params: {
        amount: "2000",
        currency: "usd",
        customer: profile.stripeCustomerId,
        payment_method: profile.defaultPaymentMethod,
        confirm: "true",
        off_session: "true",
        metadata: { user_id: user.id, topup_id: topUp.id, purpose: "auto_recharge" },
      },
    });
    // Nothing is credited until Stripe confirms the payment, and no second charge starts meanwhile.
    expect((await getBalance(user.id)).balance).toBe(usdToNanos("4"));
    expect(topUp).toMatchObject({ status: "PENDING", paymentIntentId: expect.stringMatching(/^pi_/) });
    await maybeAutoRecharge(user.id, usdToNanos("3"));
    expect(await paymentIntentsCreatedFor(user.id)).toHaveLength(1);

    const intent = await testStripeClient().paymentIntents.retrieve(topUp.paymentIntentId!);
    const succeeded = stripeEvent("payment_intent.succeeded", intent);
    const deliveries = await Promise.all(Array.from({ length: 10 }, () => deliverStripeWebhook(succeeded.payload)));
    expect(deliveries.every((r) => r.status === 200)).toBe(true);

    expect((await getBalance(user.id)).balance).toBe(usdToNanos("24"));
    expect(await ledgerTotal(user.id)).toBe(usdToNanos("24"));
    expect(await db.ledgerEntry.count({ where: { userId: user.id, reference: `stripe-payment-intent:${intent.id}` } })).toBe(1);
    expect(await db.topUp.findUniqueOrThrow({ where: { id: topUp.id } })).toMatchObject({ status: "CREDITED", receiptUrl: expect.stringMatching(/^https:\/\/pay\.stripe\.com\//) });
    expect(await db.billingProfile.findUniqueOrThrow({ where: { userId: user.id } })).toMatchObject({ autoRechargeInFlight: false, autoRechargeEnabled: true, lastAutoRechargeError: null });
  });

  it("records a declined card, turns auto-recharge off and charges nothing more", async () => {
    const user = await userWithAutoRecharge();
    const profile = await db.billingProfile.findUniqueOrThrow({ where: { userId: user.id } });
    await fake.startDeclining(profile.defaultPaymentMethod!);

    await twentyConcurrentRequests(user.id);
    await maybeAutoRecharge(user.id, usdToNanos("1"));

    expect(await paymentIntentsCreatedFor(user.id)).toHaveLength(1);
    expect((await getBalance(user.id)).balance).toBe(usdToNanos("4"));
    expect(await db.billingProfile.findUniqueOrThrow({ where: { userId: user.id } })).toMatchObject({
      autoRechargeEnabled: false,
      autoRechargeInFlight: false,
      lastAutoRechargeError: "Your card was declined.",
    });
    const topUp = await db.topUp.findFirstOrThrow({ where: { userId: user.id, automatic: true } });
    expect(topUp).toMatchObject({ status: "FAILED", failureMessage: "Your card was declined." });

    // Stripe's payment_failed event for the same intent arrives later and changes nothing.
    const intent = await testStripeClient().paymentIntents.retrieve(topUp.paymentIntentId!);
    expect((await deliverStripeWebhook(stripeEvent("payment_intent.payment_failed", intent).payload)).status).toBe(200);
    expect((await getBalance(user.id)).balance).toBe(usdToNanos("4"));

    // Turning it back on clears the error; the next crossing tries again.
    await saveAutoRechargeSettings(user.id, { enabled: true, thresholdCents: 900, amountCents: 2_000 });
    expect(await db.billingProfile.findUniqueOrThrow({ where: { userId: user.id } })).toMatchObject({ autoRechargeEnabled: true, lastAutoRechargeError: null });
  });

  it("starts from an API request whose charge takes the balance under the threshold", async () => {
    const user = await userWithAutoRecharge();
    // Six output tokens at $0.25 each: $1.50, taking the $10 balance to $8.50.
    const model = await registerUpstreamModel(upstream, "CHAT", { inputPrice: 0n, outputPrice: usdToNanos("250000") });
    const key = await newApiKey(user.id);
    const small = await postJson("/v1/chat/completions", key.secret, { model: model.id, messages: [{ role: "user", content: "Hi" }], max_tokens: 1 });
    expect(small.status).toBe(200);
    await expectSettledBooks(user.id);
    expect(await paymentIntentsCreatedFor(user.id)).toHaveLength(0);

    const response = await postJson("/v1/chat/completions", key.secret, { model: model.id, messages: [{ role: "user", content: "Hi" }], max_tokens: 6 });

    expect(response.status).toBe(200);
    const [charge, ...others] = await eventually(async () => {
      const created = await paymentIntentsCreatedFor(user.id);
      expect(created.length).toBeGreaterThan(0);
      return created;
    });
    expect(others).toHaveLength(0);
    expect(charge).toMatchObject({ params: { amount: "2000", metadata: { user_id: user.id, purpose: "auto_recharge" } } });
    expect(await expectSettledBooks(user.id)).toBe(usdToNanos("8.25"));
  });
});
