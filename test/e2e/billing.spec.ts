import { expect, test } from "@playwright/test";
import { deliverStripeWebhook, stripeEvent, stripeFake, testStripeClient } from "../support/stripe-fake";
import { startTopUpCheckout } from "@/lib/billing/checkout";
import { reserveCredit, settleRequest } from "@/lib/credits/reservations";
import { db } from "@/lib/db";
import { createApiKey } from "@/lib/keys/api-keys";
import { createSignedInUser } from "./helpers/session";

// The first visit compiles the console's pages when the app runs in dev mode.
test.setTimeout(240_000);

const fake = stripeFake();

test("a user adds $10 through Stripe Checkout and sees it credited once the webhook lands", async ({ page }) => {
  const user = await createSignedInUser(page, { label: "billing", credit: "1.00" });
  // Stripe's hosted page is not loaded; the browser arriving there is what matters.
  await page.route("https://checkout.stripe.com/**", (route) =>
    route.fulfill({ contentType: "text/html", body: "<title>Stripe Checkout</title><h1>Stripe Checkout</h1>" }),
  );

  await page.goto("/billing");
  await expect(page.getByTestId("billing-balance")).toHaveText("$1.00");
  await page.getByRole("button", { name: "$10", exact: true }).click();
  await page.waitForURL(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/, { timeout: 60_000 });

  const topUp = await db.topUp.findFirstOrThrow({ where: { userId: user.id } });
  expect(topUp).toMatchObject({ status: "PENDING", amount: 10_000_000_000n });
  expect(page.url()).toContain(`/c/pay/${topUp.stripeSessionId}`);
  const created = (await fake.requests({ method: "POST", path: "/v1/checkout/sessions" })).filter(
    (r) => (r.params.metadata as Record<string, string>).user_id === user.id,
  );
  expect(created).toHaveLength(1);
  const [request] = created;
  expect(request).toMatchObject({
    idempotencyKey: `checkout-session:${topUp.id}`,
    params: {
      mode: "payment",
      line_items: [{ quantity: "1", price_data: { currency: "usd", unit_amount: "1000" } }],
      metadata: { user_id: user.id, topup_id: topUp.id },
      payment_intent_data: { setup_future_usage: "off_session" },
    },
  });

  // The customer pays on Stripe, which sends them back to the success URL before the webhook lands.
  const session = await fake.completeCheckoutSession(topUp.stripeSessionId!);
  await page.goto(String(request!.params.success_url));
  await expect(page.getByTestId("top-up-status")).toHaveText("pending");
  await expect(page.getByText("Waiting for Stripe to confirm the payment")).toBeVisible();

  const delivery = await deliverStripeWebhook(stripeEvent("checkout.session.completed", session).payload);
  expect(delivery.status).toBe(200);

  await expect(page.getByTestId("top-up-status")).toHaveText("credited");
  await expect(page.getByTestId("top-up-balance")).toHaveText("$11.00");
  await expect(page.getByTestId("header-balance")).toHaveText("$11.00");
  await expect(page.getByRole("link", { name: "View receipt" })).toHaveAttribute("href", /^https:\/\/pay\.stripe\.com\/receipts\//);

  await page.getByRole("link", { name: "Back to billing" }).click();
  await expect(page.getByTestId("billing-balance")).toHaveText("$11.00");
  const topUpRow = page.getByRole("row", { name: /Top-up/ });
  await expect(topUpRow).toContainText("+$10.00");
  await expect(topUpRow).toContainText("$11.00");
  await expect(topUpRow.getByRole("link", { name: /Receipt/ })).toHaveAttribute("href", /^https:\/\/pay\.stripe\.com\/receipts\//);

  const csv = await page.request.get("/api/billing/ledger");
  expect(csv.headers()["content-type"]).toContain("text/csv");
  const lines = (await csv.text()).trim().split("\r\n");
  expect(lines[0]).toBe("created_at_utc,kind,description,amount_usd,balance_after_usd,reference");
  expect(lines.slice(1).map((line) => line.split(",").slice(1, 5))).toEqual([
    ["adjustment", "Test credit", "1.000000000", "1.000000000"],
    ["top_up", "Top-up", "10.000000000", "11.000000000"],
  ]);
});

test("a chargeback shows in the ledger as a dispute taking the credit back, and its return when the dispute is won", async ({ page }) => {
  const user = await createSignedInUser(page, { label: "dispute", credit: "0" });
  const { topUpId } = await startTopUpCheckout({ user, amountCents: 1_000, origin: process.env.APP_URL! });
  const session = await fake.completeCheckoutSession((await db.topUp.findUniqueOrThrow({ where: { id: topUpId } })).stripeSessionId!);
  expect((await deliverStripeWebhook(stripeEvent("checkout.session.completed", session).payload)).status).toBe(200);
  const intent = await testStripeClient().paymentIntents.retrieve(String(session.payment_intent));

  const dispute = await fake.openDispute(String(intent.latest_charge));
  expect((await deliverStripeWebhook(stripeEvent("charge.dispute.created", dispute).payload)).status).toBe(200);

  await page.goto("/billing");
  await expect(page.getByTestId("billing-balance")).toHaveText("$0.00");
  const chargeback = page.getByRole("row", { name: /Chargeback/ });
  await expect(chargeback).toContainText("Dispute");
  await expect(chargeback).toContainText("Chargeback: the $10.00 card payment is disputed with the bank");
  await expect(chargeback).toContainText("-$10.00");

  expect((await deliverStripeWebhook(stripeEvent("charge.dispute.closed", await fake.closeDispute(dispute.id, "won")).payload)).status).toBe(200);
  await page.reload();
  await expect(page.getByTestId("billing-balance")).toHaveText("$10.00");
  const returned = page.getByRole("row", { name: /Dispute resolved/ });
  await expect(returned).toContainText("the $10.00 taken back is returned");
  await expect(returned).toContainText("+$10.00");
});

test("usage starts with how to make a first call, then shows totals, charts and a filterable log that exports as CSV", async ({ page }) => {
  const user = await createSignedInUser(page, { label: "usage", credit: "5.00" });
  await page.setViewportSize({ width: 390, height: 844 });

  await page.goto("/usage");
  await expect(page.getByText("No requests yet — create an API key and make your first call")).toBeVisible();
  await expect(page.getByRole("link", { name: "Create an API key" })).toHaveAttribute("href", "/api-keys");

  const { apiKey } = await createApiKey(user.id, { name: "Laptop", expiresAt: null, spendLimit: null, rateLimitRpm: null });
  const model = "meta-llama/Llama-3.1-8B-Instruct";
  for (const status of ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "FAILED"] as const) {
    const reservation = await reserveCredit({
      userId: user.id,
      apiKeyId: apiKey.id,
      modelId: model,
      endpoint: "chat.completions",
      source: "API",
      amount: 10_000n,
    });
    await settleRequest(reservation, {
      status,
      cost: 1_234n,
      inputTokens: 12,
      outputTokens: 30,
      latencyMs: 850,
      ttftMs: 120,
      httpStatus: status === "FAILED" ? 502 : 200,
    });
  }

  await page.reload();
  await expect(page.getByTestId("usage-total-requests")).toHaveText("4");
  await expect(page.getByTestId("usage-total-spend")).toHaveText("$0.000003702");
  await expect(page.getByRole("img", { name: /Spend per day: \$0\.000003702 in total/ })).toBeVisible();
  const rows = page.getByRole("table", { name: "Request log, newest first" }).getByRole("row");
  await expect(rows).toHaveCount(5);
  await expect(rows.nth(1)).toContainText("Failed");
  await expect(rows.nth(1)).toContainText("$0.00");
  await expect(rows.nth(4)).toContainText("Succeeded");
  await expect(rows.nth(4)).toContainText("$0.000001234");
  await expect(rows.nth(4)).toContainText("Laptop");
  // Nothing but the tables' own scrolling boxes is wider than a phone.
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);

  await page.getByLabel("Status").selectOption("failed");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/status=failed/);
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText("Failed");

  const exportHref = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
  expect(exportHref).toContain("status=failed");
  const csv = await page.request.get(exportHref!);
  const lines = (await csv.text()).trim().split("\r\n");
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(",failed,502,");
  expect(lines[1]).toContain(",0.000000000,");
});
