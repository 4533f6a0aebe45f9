// The public docs: reachable from the landing page's header, every page of the sidebar opens and
// is marked as the current one, the phone layout's menu works, the reference tables come from the
// spec, the pricing page lists the registry's models with their prices, and the OpenAPI link
// answers with the document.
import { expect, test } from "@playwright/test";
import { DOCS_NAV } from "@/lib/docs/endpoints";
import { modelCatalog } from "@/lib/inference/catalog";

test.setTimeout(180_000);

test("the header links to the docs, and the sidebar opens every page and marks it current", async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto("/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Docs" }).click();
  await expect(page).toHaveURL(/\/docs$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Quickstart");

  const nav = page.getByRole("navigation", { name: "Documentation" }).locator("visible=true");
  for (const link of DOCS_NAV.flatMap((section) => section.links)) {
    await nav.getByRole("link", { name: link.label, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`${link.href}$`));
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(nav.getByRole("link", { name: link.label, exact: true })).toHaveAttribute("aria-current", "page");
  }
});

test("on a phone the docs menu folds above the page and still navigates", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/docs");
  await page.getByText("Documentation menu").click();
  await page.getByRole("navigation", { name: "Documentation" }).locator("visible=true").getByRole("link", { name: "Errors", exact: true }).click();
  await expect(page).toHaveURL(/\/docs\/errors$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Errors");
});

test("an endpoint's page shows the parameters of OpenAI's request schema and the errors it can answer", async ({ page }) => {
  await page.goto("/docs/api/chat-completions");
  const parameters = page.getByRole("table", { name: "Parameters of POST /v1/chat/completions" });
  const messages = parameters.locator('[data-parameter="messages"]');
  await expect(messages).toContainText("required");
  await expect(messages).toContainText("array of object");
  for (const name of ["tools", "tool_choice", "response_format", "logprobs", "n", "seed", "stream_options"]) {
    await expect(parameters.locator(`[data-parameter="${name}"]`), name).toHaveCount(1);
  }
  const errors = page.getByRole("table", { name: "Errors of POST /v1/chat/completions" });
  await expect(errors.getByTestId("error-row").filter({ hasText: /^402/ })).toContainText("insufficient_quota");
  await expect(errors.getByTestId("error-row").filter({ hasText: /^429/ })).toContainText("rate_limit_exceeded");
});

test("the pricing page shows every model of the registry with its prices", async ({ page }) => {
  const models = await modelCatalog();
  expect(models.length).toBeGreaterThan(0);
  await page.goto("/docs/pricing");
  for (const model of models) {
    const row = page.locator(`[data-testid="model-price-row"][data-model-id="${model.id}"]`);
    await expect(row, model.id).toHaveCount(1);
    await expect(row.getByTestId("model-price")).toHaveText(model.prices.map((price) => price.value));
  }
});

test("the OpenAPI link answers with this deployment's document", async ({ page, baseURL }) => {
  await page.goto("/docs");
  const link = page.getByRole("link", { name: "/v1/openapi.json" });
  const [response] = await Promise.all([page.waitForResponse((answer) => answer.url().endsWith("/v1/openapi.json")), link.click()]);
  expect(response.status()).toBe(200);
  const document = (await response.json()) as { openapi: string; servers: { url: string }[]; paths: Record<string, unknown> };
  expect(document.openapi).toMatch(/^3\./);
  expect(document.servers[0]?.url).toBe(`${baseURL}/v1`);
  expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(["/chat/completions", "/embeddings", "/me"]));
});
