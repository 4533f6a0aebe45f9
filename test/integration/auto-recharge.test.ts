import { spawn } from "node:child_process";
import path from "node:path";
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
    Array.from({ length: 20 }, () =>
      reserveCredit({ userId, apiKeyId: null, modelId: "test-model", endpoint: "chat.completions", source: "API", amount: usdToNanos("0.40") }),
    ),
  );
  const settlements = (await Promise.all(reservations.map((r) => settleRequest(r, { status: "SUCCEEDED", cost: usdToNanos("0.30") })))).map((s) => s!);
  const due = settlements.filter((s) => s.autoRechargeDue);
  expect(due.map((s) => s.balanceAfter).every((balance) => balance < usdToNanos("9"))).toBe(true);
  expect(due).toHaveLength(17);
  await Promise.all(due.map((s) => maybeAutoRecharge(userId, s.balanceAfter)));
}

/** One request of `usd` settled, as the gateway settles it; returns the balance it left. */
async function spend(userId: string, usd: string): Promise<bigint> {
  const reservation = await reserveCredit({
    userId,
    apiKeyId: null,
    modelId: "test-model",
    endpoint: "chat.completions",
    source: "API",
    amount: usdToNanos(usd),
  });
  const settlement = (await settleRequest(reservation, { status: "SUCCEEDED", cost: usdToNanos(usd) }))!;
  expect(settlement.autoRechargeDue).toBe(true);
  return settlement.balanceAfter;
}

/**
 * Starts the user's auto-recharge in a process of its own, with the Stripe fake stalling the
 * payment intent creation ("before" it is made, or "after": made, never answered), and kills that
 * process with SIGKILL while it waits for Stripe: the claim is taken and nothing recorded the
 * payment intent, exactly as a crash leaves it.
 */
async function rechargeInAProcessThatDies(userId: string, balanceAfter: bigint, stall: "before" | "after") {
  const { stripeCustomerId } = await db.billingProfile.findUniqueOrThrow({ where: { userId } });
  await fake.stallNextPaymentIntent(stripeCustomerId!, stall);
  const root = path.resolve(__dirname, "../..");
  // A process outside Next.js and Vitest: it needs the server-only shim before lib/ (see the shim).
  const shim = JSON.stringify(path.join(root, "scripts/lib/allow-server-only.ts"));
  const script = `import ${shim}; import { maybeAutoRecharge } from "@/lib/billing/auto-recharge"; void maybeAutoRecharge(${JSON.stringify(userId)}, ${balanceAfter}n);`;
  const child = spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "--eval", script], { cwd: root, env: process.env, stdio: "ignore" });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    // A fresh process compiles and loads the app's modules first, which takes a while on a busy machine.
    await eventually(async () => expect(await paymentIntentsCreatedFor(userId)).toHaveLength(1), 150_000);
  } finally {
    child.kill("SIGKILL");
    await exited;
  }
  const topUp = await db.topUp.findFirstOrThrow({ where: { userId, automatic: true } });
  expect(topUp).toMatchObject({ status: "PENDING", paymentIntentId: null });
  expect(await db.billingProfile.findUniqueOrThrow({ where: { userId } })).toMatchObject({ autoRechargeInFlight: true });
  return topUp;
}

/** Time passes: the dead process's claim (and its top-up) become older than the claim's expiry. */
async function claimGrowsStale(userId: string) {
  await db.$executeRaw`UPDATE "BillingProfile" SET "autoRechargeClaimedAt" = now() - interval '10 minutes' WHERE "userId" = ${userId}`;
  await db.$executeRaw`UPDATE "TopUp" SET "createdAt" = "createdAt" - interval '10 minutes' WHERE "userId" = ${userId} AND "automatic"`;
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
    expect(await db.topUp.findUniqueOrThrow({ where: { id: topUp.id } })).toMatchObject({
      status: "CREDITED",
      receiptUrl: expect.stringMatching(/^https:\/\/pay\.stripe\.com\//),
    });
    expect(await db.billingProfile.findUniqueOrThrow({ where: { userId: user.id } })).toMatchObject({
      autoRechargeInFlight: false,
      autoRechargeEnabled: true,
      lastAutoRechargeError: null,
    });
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

  it("recovers from a process killed before its charge reached Stripe: the claim expires, turning it off and on frees it, and the next settlement charges once", async () => {
    const user = await userWithAutoRecharge();
    const crashed = await rechargeInAProcessThatDies(user.id, await spend(user.id, "2"), "before");

    // While the claim is fresh, the dead process might still be charging: nothing new starts.
    await maybeAutoRecharge(user.id, await spend(user.id, "1"));
    expect(await paymentIntentsCreatedFor(user.id)).toHaveLength(1);

    await claimGrowsStale(user.id);
    await saveAutoRechargeSettings(user.id, { enabled: false });
    await saveAutoRechargeSettings(user.id, { enabled: true, thresholdCents: 900, amountCents: 2_000 });
    expect(await db.topUp.findUniqueOrThrow({ where: { id: crashed.id } })).toMatchObject({
      status: "EXPIRED",
      failureMessage: "This automatic top-up was interrupted before the card was charged.",
    });
    expect(await db.billingProfile.findUniqueOrThrow({ where: { userId: user.id } })).toMatchObject({
      autoRechargeEnabled: true,
      autoRechargeInFlight: false,
      autoRechargeClaimedAt: null,
    });

    const balances = await Promise.all(Array.from({ length: 10 }, () => spend(user.id, "0.10")));
    await Promise.all(balances.map((balance) => maybeAutoRecharge(user.id, balance)));

    const charges = await paymentIntentsCreatedFor(user.id);
    expect(charges).toHaveLength(2);
    const recharge = await db.topUp.findFirstOrThrow({ where: { userId: user.id, automatic: true, id: { not: crashed.id } } });
    expect(charges[1]).toMatchObject({ idempotencyKey: `auto-recharge:${recharge.id}` });
    const intent = await testStripeClient().paymentIntents.retrieve(recharge.paymentIntentId!);
    const succeeded = stripeEvent("payment_intent.succeeded", intent).payload;
    expect((await Promise.all([deliverStripeWebhook(succeeded), deliverStripeWebhook(succeeded)])).map((r) => r.status)).toEqual([200, 200]);

    // $10 − $2 − $1 − 10 × $0.10 + $20.
    expect(await expectSettledBooks(user.id)).toBe(usdToNanos("26"));
    expect(await db.ledgerEntry.count({ where: { userId: user.id, kind: "TOP_UP" } })).toBe(2);
  }, 240_000);

  it("credits exactly once, and charges no second time, when the killed process's payment did succeed at Stripe", async () => {
    const user = await userWithAutoRecharge();
    const crashed = await rechargeInAProcessThatDies(user.id, await spend(user.id, "2"), "after");
    const [intent, ...others] = (
      await testStripeClient().paymentIntents.list({ customer: (await db.billingProfile.findUniqueOrThrow({ where: { userId: user.id } })).stripeCustomerId! })
    ).data.filter((pi) => pi.metadata.topup_id === crashed.id);
    expect(others).toHaveLength(0);
    expect(intent).toMatchObject({ status: "succeeded", amount: 2_000 });

    await claimGrowsStale(user.id);
    // Settlements crossing the threshold at once: the first to look reconciles with Stripe and credits.
    const balances = await Promise.all(Array.from({ length: 10 }, () => spend(user.id, "0.10")));
    await Promise.all(balances.map((balance) => maybeAutoRecharge(user.id, balance)));

    expect(await paymentIntentsCreatedFor(user.id)).toHaveLength(1);
    expect(await db.topUp.findUniqueOrThrow({ where: { id: crashed.id } })).toMatchObject({
      status: "CREDITED",
      paymentIntentId: intent!.id,
      receiptUrl: expect.stringMatching(/^https:\/\/pay\.stripe\.com\//),
    });
    expect(await db.billingProfile.findUniqueOrThrow({ where: { userId: user.id } })).toMatchObject({ autoRechargeEnabled: true, autoRechargeInFlight: false });

    // Stripe's own event for the payment arrives late and changes nothing.
    expect((await deliverStripeWebhook(stripeEvent("payment_intent.succeeded", intent!).payload)).status).toBe(200);
    expect(await db.ledgerEntry.count({ where: { userId: user.id, reference: `stripe-payment-intent:${intent!.id}` } })).toBe(1);
    // $10 − $2 − 10 × $0.10 + $20.
    expect(await expectSettledBooks(user.id)).toBe(usdToNanos("27"));
  }, 240_000);
});
