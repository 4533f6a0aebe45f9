import { expect, test } from "@playwright/test";
import { createSignedInUser } from "./helpers/session";

// The first visit compiles the console's pages when the app runs in dev mode.
test.setTimeout(180_000);

test("the Models page shows each model's price, availability and a code sample that calls this deployment", async ({ page, baseURL }) => {
  await createSignedInUser(page, { label: "models" });
  await page.goto("/models");
  await expect(page.getByRole("heading", { name: "Models", level: 1 })).toBeVisible();

  const tinyChat = page.locator('[aria-labelledby="model-ecolink/tiny-chat"]');
  await expect(tinyChat.getByText("Available", { exact: true })).toBeVisible();
  await expect(tinyChat.getByText("Demo", { exact: true })).toBeVisible();
  await expect(tinyChat.getByText("Demo model running on this machine's CPU")).toBeVisible();
  await expect(tinyChat.getByText(/\$\d/).first()).toBeVisible();

  // Production models need an upstream GPU server, which this deployment doesn't configure.
  const llama = page.locator('[aria-labelledby="model-meta-llama/Llama-3.1-8B-Instruct"]');
  await expect(llama.getByText("Not available here")).toBeVisible();

  // Chat models list what they take beyond text, as their registry rows declare it.
  const supported = llama.getByRole("list", { name: "Supported features" });
  await expect(supported.getByRole("listitem")).toHaveText(["Tool calling", "JSON mode", "Log probabilities", "Up to 8 choices (n)"]);
  await expect(llama.getByText("Not supported: Image input, Audio input.")).toBeVisible();
  await expect(tinyChat.getByRole("list", { name: "Supported features" })).toHaveText("Text only");
  await expect(page.locator('[aria-labelledby="model-ecolink/pattern"]').getByRole("list", { name: "Supported features" })).toHaveCount(0);

  await tinyChat.getByText("Code sample").click();
  const sample = tinyChat.locator("pre").first();
  await expect(sample).toContainText(`${baseURL}/v1/chat/completions`);
  await expect(sample).toContainText('"model": "ecolink/tiny-chat"');
});

test("the Models page fits a phone screen", async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 740 });
  await createSignedInUser(page, { label: "models-phone" });
  await page.goto("/models");
  await expect(page.locator('[aria-labelledby="model-ecolink/pattern"]')).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});
