// Every page, as a phone (390 px) and a desktop (1440 px) sees it, in the light and the dark theme
// (the theme follows the emulated system setting): the document is no wider than the screen,
// the browser logs no errors, and axe-core finds no serious or critical accessibility problem
// (contrast included). One signed-in user with some history, one browser context per combination.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { reserveCredit, settleRequest } from "@/lib/credits/reservations";
import { DOCS_NAV } from "@/lib/docs/endpoints";
import { createApiKey } from "@/lib/keys/api-keys";
import { createSignedInUser } from "./helpers/session";

test.setTimeout(600_000);

const PUBLIC_PAGES = ["/", "/sign-in", "/sign-up", "/forgot-password"];
// Public too, audited in tests of their own so that each run stays within its time limit.
const DOCS_PAGES = DOCS_NAV.flatMap((section) => section.links.map((link) => link.href));
const CONSOLE_PAGES = [
  "/dashboard",
  "/api-keys",
  "/playground/chat",
  "/playground/images",
  "/playground/audio",
  "/playground/speech",
  "/playground/embeddings",
  "/models",
  "/usage",
  "/billing",
];
const VIEWPORTS = [
  { name: "phone", width: 390, height: 844 },
  { name: "desktop", width: 1440, height: 900 },
] as const;
const SCHEMES = ["light", "dark"] as const;

type StorageState = Awaited<ReturnType<BrowserContext["storageState"]>>;
let signedIn: StorageState;

test.beforeAll(async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const user = await createSignedInUser(page, { label: "audit", credit: "1.00" });
  // Some history, so the key list, the request log and the ledger have rows to lay out.
  const { apiKey } = await createApiKey(user.id, {
    name: "Production server with a long name",
    expiresAt: null,
    spendLimit: 5_000_000_000n,
    rateLimitRpm: null,
  });
  for (const status of ["SUCCEEDED", "FAILED"] as const) {
    const reservation = await reserveCredit({
      userId: user.id,
      apiKeyId: apiKey.id,
      modelId: "meta-llama/Llama-3.1-8B-Instruct",
      endpoint: "chat.completions",
      source: "API",
      amount: 10_000_000n,
    });
    await settleRequest(reservation, {
      status,
      cost: status === "SUCCEEDED" ? 2_700_000n : 0n,
      inputTokens: 1200,
      outputTokens: 3400,
      latencyMs: 8500,
      ttftMs: 120,
      httpStatus: status === "FAILED" ? 502 : 200,
    });
  }
  signedIn = await context.storageState();
  await context.close();
});

interface Problems {
  consoleErrors: string[];
}

async function openContext(browser: Browser, viewport: (typeof VIEWPORTS)[number], colorScheme: (typeof SCHEMES)[number], storageState?: StorageState) {
  const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height }, colorScheme, storageState });
  const page = await context.newPage();
  const problems: Problems = { consoleErrors: [] };
  page.on("console", (message) => {
    if (message.type() === "error") problems.consoleErrors.push(`${page.url()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.consoleErrors.push(`${page.url()}: ${error.message}`));
  return { context, page, problems };
}

async function audit(page: Page, problems: Problems, path: string, colorScheme: (typeof SCHEMES)[number]) {
  await page.goto(path);
  await page.waitForLoadState("networkidle");
  await expect(page.locator("h1").first()).toBeVisible();
  // The theme follows the system setting (next-themes puts "dark" on <html>).
  await expect(page.locator("html")).toHaveClass(colorScheme === "dark" ? /\bdark\b/ : /^(?!.*\bdark\b)/);

  const width = await page.evaluate(() => ({ document: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  // Soft: one run reports every page's problems, not just the first page's.
  expect.soft(width.document, `${path} is wider than the screen`).toBeLessThanOrEqual(width.viewport);

  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help}\n${violation.nodes.map((node) => `    ${node.target.join(" ")} — ${node.failureSummary?.split("\n").slice(1).join(" ")}`).join("\n")}`,
    );
  expect.soft(serious, `${path}: accessibility violations`).toEqual([]);
  expect.soft(problems.consoleErrors, `${path}: console errors`).toEqual([]);
  problems.consoleErrors.length = 0;
}

for (const viewport of VIEWPORTS) {
  for (const colorScheme of SCHEMES) {
    test(`every page at ${viewport.width} px in the ${colorScheme} theme: fits the screen, no console errors, no serious axe violations`, async ({
      browser,
    }) => {
      const visitor = await openContext(browser, viewport, colorScheme);
      for (const path of PUBLIC_PAGES) await audit(visitor.page, visitor.problems, path, colorScheme);
      await visitor.context.close();

      const user = await openContext(browser, viewport, colorScheme, signedIn);
      for (const path of CONSOLE_PAGES) await audit(user.page, user.problems, path, colorScheme);
      await user.context.close();
    });
  }
}

for (const viewport of VIEWPORTS) {
  for (const colorScheme of SCHEMES) {
    test(`every docs page at ${viewport.width} px in the ${colorScheme} theme: fits the screen, no console errors, no serious axe violations`, async ({
      browser,
    }) => {
      const visitor = await openContext(browser, viewport, colorScheme);
      for (const path of DOCS_PAGES) await audit(visitor.page, visitor.problems, path, colorScheme);
      await visitor.context.close();
    });
  }
}

test("the theme toggle overrides the system setting and is remembered", async ({ browser }) => {
  const { context, page } = await openContext(browser, VIEWPORTS[1], "light", signedIn);
  await page.goto("/dashboard");
  const html = page.locator("html");
  await expect(html).not.toHaveClass(/\bdark\b/);
  await page.getByRole("button", { name: /^Theme: System/ }).click();
  await expect(html).not.toHaveClass(/\bdark\b/);
  await page.getByRole("button", { name: /^Theme: Light/ }).click();
  await expect(html).toHaveClass(/\bdark\b/);
  await page.reload();
  await expect(html).toHaveClass(/\bdark\b/);
  await expect(page.getByRole("button", { name: /^Theme: Dark/ })).toBeVisible();
  await context.close();
});

test("the header shows a balance that moved by less than a cent with its digits", async ({ browser }) => {
  const { context, page } = await openContext(browser, VIEWPORTS[1], "light", signedIn);
  await page.goto("/billing");
  // $1.00 of credit less the $0.0027 request of beforeAll.
  await expect(page.getByTestId("header-balance")).toHaveText("$0.9973");
  await expect(page.getByTestId("billing-balance")).toHaveText("$0.9973");
  await expect(page.getByRole("table", { name: "Credit ledger, newest first" })).toContainText("-$0.0027");
  await context.close();
});

test("the favicon, app icons and the landing page's Open Graph image are served", async ({ page, request }) => {
  for (const [path, type] of [
    ["/favicon.ico", "image/"],
    ["/icon.svg", "image/svg+xml"],
    ["/apple-touch-icon.png", "image/png"],
    ["/og-image.png", "image/png"],
  ] as const) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(200);
    expect(response.headers()["content-type"], path).toContain(type);
  }
  await page.goto("/");
  await expect(page.locator('meta[property="og:image"]')).toHaveAttribute("content", /\/og-image\.png$/);
  await expect(page.locator('link[rel="icon"]').first()).toHaveAttribute("href", /favicon\.ico|icon\.svg/);
});

test("completed actions are confirmed by a toast in a polite live region", async ({ browser }) => {
  const { context, page } = await openContext(browser, VIEWPORTS[1], "light", signedIn);
  await page.goto("/api-keys");
  const liveRegion = page.locator('[role="status"][aria-live="polite"]').filter({ has: page.getByTestId("toast") });

  await page.getByRole("button", { name: "Create API key" }).click();
  const dialog = page.getByRole("dialog", { name: "Create an API key" });
  await dialog.getByLabel("Name").fill("Toast check");
  await dialog.getByRole("button", { name: "Create key" }).click();
  await expect(liveRegion).toContainText("API key “Toast check” created.");
  await page.getByRole("dialog", { name: "Save your API key" }).getByRole("button", { name: "Done" }).click();

  await page.getByRole("button", { name: "Revoke Toast check" }).click();
  await page.getByRole("dialog", { name: "Revoke “Toast check”?" }).getByRole("button", { name: "Revoke key" }).click();
  await expect(liveRegion).toContainText("Revoked “Toast check”.");
  // Dismissible by hand, and gone by itself after a few seconds.
  await liveRegion.getByRole("button", { name: "Dismiss" }).first().click();
  await expect(page.getByTestId("toast")).toHaveCount(0, { timeout: 10_000 });
  await context.close();
});
