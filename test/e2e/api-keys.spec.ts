import { expect, test, type APIRequestContext } from "@playwright/test";
import { createSignedInUser } from "./helpers/session";

function listModels(request: APIRequestContext, apiKey: string) {
  return request.get("/v1/models", { headers: { Authorization: `Bearer ${apiKey}` } });
}

// The first visit compiles the console's pages when the app runs in dev mode.
test.setTimeout(180_000);

test("a user creates an API key, sees it once, copies it, and revokes it with confirmation", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await createSignedInUser(page, { label: "keys" });

  await page.goto("/api-keys");
  await expect(page.getByText("No API keys yet — create one to call the API")).toBeVisible();

  await page.getByRole("button", { name: "Create API key" }).click();
  const createDialog = page.getByRole("dialog", { name: "Create an API key" });
  await createDialog.getByRole("button", { name: "Create key" }).click();
  await expect(createDialog.getByText("Give the key a name.")).toBeVisible();
  await createDialog.getByLabel("Name").fill("Laptop");
  await createDialog.getByLabel("Spend limit (USD)").fill("5");
  await createDialog.getByRole("button", { name: "Create key" }).click();

  const shownOnce = page.getByRole("dialog", { name: "Save your API key" });
  await expect(shownOnce.getByText("This is the only time you'll see this key")).toBeVisible();
  const secretField = shownOnce.getByLabel("Your new API key");
  await expect(secretField).toHaveValue(/^eco_[0-9A-Za-z]{40}$/);
  const secret = await secretField.inputValue();
  await shownOnce.getByRole("button", { name: "Copy API key" }).click();
  await expect(shownOnce.getByRole("button", { name: "Copy API key" })).toHaveText(/Copied/);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  // The key shown is the real thing.
  expect((await listModels(page.request, secret)).status()).toBe(200);
  await shownOnce.getByRole("button", { name: "Done" }).click();
  await expect(shownOnce).toBeHidden();

  const display = `${secret.slice(0, 8)}…${secret.slice(-4)}`;
  const row = page.getByRole("row", { name: /Laptop/ });
  await expect(row).toContainText(display);
  await expect(row).toContainText("Active");
  await expect(row).toContainText(/\$0\.00\s*of \$5\.00 limit/);
  expect(await page.content()).not.toContain(secret);

  await page.reload();
  await expect(row).toContainText(display);
  expect(await page.content()).not.toContain(secret);

  await expect(row.getByRole("button", { name: "Revoke Laptop" })).toBeInViewport();
  await row.getByRole("button", { name: "Revoke Laptop" }).click();
  const confirm = page.getByRole("dialog", { name: "Revoke “Laptop”?" });
  await expect(confirm).toContainText(display);
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(row).toContainText("Active");

  await row.getByRole("button", { name: "Revoke Laptop" }).click();
  await confirm.getByRole("button", { name: "Revoke key" }).click();
  await expect(confirm).toBeHidden();
  await expect(row).toContainText("Revoked");
  await expect(row.getByRole("button", { name: "Revoke Laptop" })).toHaveCount(0);
  const afterRevoke = await listModels(page.request, secret);
  expect(afterRevoke.status()).toBe(401);
  expect((await afterRevoke.json()).error).toMatchObject({ code: "invalid_api_key", message: expect.stringContaining("has been revoked") });
});

test("the API keys page fits a phone screen", async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 740 });
  await createSignedInUser(page, { label: "keys-phone" });
  await page.goto("/api-keys");
  await page.getByRole("button", { name: "Create API key" }).click();
  const createDialog = page.getByRole("dialog", { name: "Create an API key" });
  await createDialog.getByLabel("Name").fill("Phone");
  await createDialog.getByRole("button", { name: "Create key" }).click();
  await page.getByRole("dialog", { name: "Save your API key" }).getByRole("button", { name: "Done" }).click();

  await expect(page.getByRole("row", { name: /Phone/ })).toBeVisible();
  await expect(page.getByRole("button", { name: "Revoke Phone" })).toBeInViewport();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});
