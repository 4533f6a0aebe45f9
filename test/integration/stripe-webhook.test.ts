import { readFile, readdir } from "node:fs/promises";
import http from "node:http";
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

/** A paid, credited Checkout top-up of `cents` and the charge that paid it. */
async function creditedTopUp(cents: number) {
  const paid = await paidCheckout(cents);
  expect((await deliverStripeWebhook(stripeEvent("checkout.session.completed", paid.session).payload)).status).toBe(200);
  const intent = await testStripeClient().paymentIntents.retrieve(String(paid.session.payment_intent));
  return { ...paid, chargeId: String(intent.latest_charge) };
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

  it("refuses a correctly signed body that is not JSON with 400, not a 500", async () => {
    const response = await deliverStripeWebhook("this is not { json");

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "The payload is signed but is not JSON, so it is not a Stripe event." });
  });

  it("refuses a signature dated in the future, and accepts one a few seconds ahead (clock skew)", async () => {
    const { user, session } = await paidCheckout(1_000);
    const completed = stripeEvent("checkout.session.completed", session);
    const now = Math.floor(Date.now() / 1000);

    const future = await deliverStripeWebhook(completed.payload, { timestamp: now + 3_600 });
    expect(future.status).toBe(400);
    expect(await future.json()).toEqual({ error: "The Stripe signature is dated in the future; check this server's clock." });
    expect((await getBalance(user.id)).balance).toBe(0n);
    expect(await db.stripeEvent.count({ where: { id: completed.id } })).toBe(0);

    expect((await deliverStripeWebhook(completed.payload, { timestamp: now + 5 })).status).toBe(200);
    expect((await getBalance(user.id)).balance).toBe(usdToNanos("10"));
  });
});

describe("disputes (chargebacks)", () => {
  it("take the disputed credit back once however often the event comes, and return it once when the dispute is won", async () => {
    const { user, chargeId } = await creditedTopUp(2_500);
    const dispute = await fake.openDispute(chargeId);
    expect(dispute).toMatchObject({ object: "dispute", amount: 2_500, status: "needs_response", payment_intent: expect.stringMatching(/^pi_/) });

    const created = stripeEvent("charge.dispute.created", dispute);
    const deliveries = await Promise.all([deliverStripeWebhook(created.payload), deliverStripeWebhook(created.payload)]);
    expect(deliveries.map((r) => r.status)).toEqual([200, 200]);
    // A different event about the same dispute (Stripe may send more than one) changes nothing either.
    expect((await deliverStripeWebhook(stripeEvent("charge.dispute.created", dispute).payload)).status).toBe(200);

    expect((await getBalance(user.id)).balance).toBe(0n);
    expect(await ledgerTotal(user.id)).toBe(0n);
    const opened = await db.ledgerEntry.findMany({ where: { userId: user.id, kind: "DISPUTE" } });
    expect(opened).toMatchObject([
      { amount: -usdToNanos("25"), reference: `stripe-dispute:${dispute.id}`, description: "Chargeback: the $25.00 card payment is disputed with the bank" },
    ]);

    const won = stripeEvent("charge.dispute.closed", await fake.closeDispute(dispute.id, "won"));
    expect((await deliverStripeWebhook(won.payload)).status).toBe(200);
    expect((await deliverStripeWebhook(won.payload)).status).toBe(200);
    expect((await deliverStripeWebhook(stripeEvent("charge.dispute.closed", await testStripeClient().disputes.retrieve(dispute.id)).payload)).status).toBe(200);

    expect((await getBalance(user.id)).balance).toBe(usdToNanos("25"));
    expect(await ledgerTotal(user.id)).toBe(usdToNanos("25"));
    const movements = await db.ledgerEntry.findMany({ where: { userId: user.id, kind: "DISPUTE" }, orderBy: { id: "asc" } });
    expect(movements.map((m) => [m.amount, m.reference])).toEqual([
      [-usdToNanos("25"), `stripe-dispute:${dispute.id}`],
      [usdToNanos("25"), `stripe-dispute-returned:${dispute.id}`],
    ]);
    expect(movements[1]!.description).toBe("Dispute resolved: the $25.00 card payment stands, the $25.00 taken back is returned");
  });

  it("take back only what is available (the rest is recorded as a shortfall), keep it when lost, and apply a late 'created' after 'closed' once", async () => {
    const { user, chargeId } = await creditedTopUp(2_500);
    // $12 of the $25 is held by an in-flight request when the chargeback arrives.
    await reserveCredit({ userId: user.id, apiKeyId: null, modelId: "test-model", endpoint: "chat.completions", source: "API", amount: usdToNanos("12") });
    const dispute = await fake.openDispute(chargeId);
    const lost = await fake.closeDispute(dispute.id, "lost");

    // Stripe doesn't promise order: the closing event is delivered first, the opening one after it.
    expect((await deliverStripeWebhook(stripeEvent("charge.dispute.closed", lost).payload)).status).toBe(200);
    expect((await deliverStripeWebhook(stripeEvent("charge.dispute.created", dispute).payload)).status).toBe(200);

    const movements = await db.ledgerEntry.findMany({ where: { userId: user.id, kind: "DISPUTE" } });
    expect(movements).toMatchObject([
      {
        amount: -usdToNanos("13"),
        description: "Chargeback: the $25.00 card payment is disputed with the bank; $13.00 taken back, $12.00 was already spent or in use",
      },
    ]);
    const balance = await getBalance(user.id);
    expect(balance).toEqual({ balance: usdToNanos("12"), held: usdToNanos("12"), available: 0n });
    expect(await ledgerTotal(user.id)).toBe(balance.balance);
  });
});

/** Where the Next.js child of the app at APP_URL runs: server.ts forks next-server.ts with PORT set to the app's port. */
async function nextChildPid(): Promise<number> {
  const port = new URL(process.env.APP_URL!).port;
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8");
      if (!cmdline.includes("next-server")) continue;
      const environ = (await readFile(`/proc/${entry}/environ`, "utf8")).split("\0");
      if (environ.includes(`PORT=${port}`)) return Number(entry);
    } catch {
      // gone, or not ours
    }
  }
  throw new Error(`No Next.js child process found for the app on port ${port}`);
}

async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/**
 * Streams up to `totalBytes` of body (1 MB chunks, made on the fly, with backpressure) to the
 * webhook until an answer comes; returns the answer's status and how much had been sent by then.
 */
function streamToWebhook(totalBytes: number): Promise<{ status: number; sentBeforeAnswer: number }> {
  const chunk = Buffer.alloc(1024 * 1024, "x");
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const request = http.request(`${process.env.APP_URL}/api/stripe/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": "t=1,v1=00" },
    });
    request.on("response", (response) => {
      answered = true;
      resolve({ status: response.statusCode ?? 0, sentBeforeAnswer: sent });
      response.resume();
      request.destroy();
    });
    request.on("error", (error) => {
      if (!answered) reject(error);
    });
    // One megabyte per turn of the event loop, as a client streaming a file does: the answer is
    // read as soon as it comes, while the server lingers, reading and discarding what follows.
    const write = () => {
      if (answered) return;
      if (sent >= totalBytes) {
        request.end();
        return;
      }
      sent += chunk.length;
      if (request.write(chunk)) setImmediate(write);
      else request.once("drain", () => setImmediate(write));
    };
    write();
  });
}

describe("the webhook's body limit", () => {
  it("answers 413 to a body far over 1 MB as soon as it passes the limit, without holding it in memory", async () => {
    const pid = await nextChildPid();
    const before = await residentBytes(pid);
    let peak = before;
    const sampler = setInterval(() => {
      residentBytes(pid).then(
        (rss) => (peak = Math.max(peak, rss)),
        () => undefined,
      );
    }, 20);
    const total = 100 * 1024 * 1024;

    const { status, sentBeforeAnswer } = await streamToWebhook(total).finally(() => clearInterval(sampler));

    expect(status).toBe(413);
    expect(sentBeforeAnswer).toBeLessThan(total / 2);
    expect(peak - before).toBeLessThan(total / 4);
    // A real event still goes through afterwards.
    const { user, session } = await paidCheckout(1_000);
    expect((await deliverStripeWebhook(stripeEvent("checkout.session.completed", session).payload)).status).toBe(200);
    expect((await getBalance(user.id)).balance).toBe(usdToNanos("10"));
  });

  it("refuses a declared Content-Length over the limit before reading the body", async () => {
    const response = await deliverStripeWebhook(JSON.stringify({ padding: "x".repeat(2 * 1024 * 1024) }));
    expect(response.status).toBe(413);
    // Refused by the front server (lib/http/reverse-proxy.ts) or, under `next dev`, by the route itself.
    expect(await response.text()).toMatch(/1 MB/);
  });
});
