// Every page sends the browser's security headers (lib/http/csp.ts via proxy.ts and next.config.ts):
// a nonce-based Content-Security-Policy with a fresh nonce in every response, which Next.js puts on
// every script it renders; no framing, no MIME sniffing, a strict referrer policy, only the
// permissions the playground needs, HSTS in production; pages that show a secret once are not
// cached. And every page still works under that policy: a real action on each, with no CSP
// violation and no console error. Another site cannot frame the API-keys page.
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { expect, test, type Page, type Response } from "@playwright/test";
import { CHROMIUM_ARGS } from "../support/chromium";
import { uniqueEmail } from "../support/factories";
import { createSignedInUser } from "./helpers/session";

const KNOWN_SENTENCE_WAV = path.resolve(__dirname, "../fixtures/known-sentence.wav");
const development = process.env.TEST_APP_MODE === "dev";

// The audio playground records from Chromium's fake microphone, which plays the known sentence.
test.use({
  launchOptions: {
    executablePath: "/usr/bin/chromium",
    args: [...CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-audio-capture=${KNOWN_SENTENCE_WAV}`],
  },
});
test.setTimeout(300_000);

/** Every nonce seen in this file: each response must bring a new one. */
const seenNonces = new Set<string>();

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(";")
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...values]) => [name!, values]),
  );
}

/** Checks a page's response headers, and that every script in its HTML carries this response's nonce. */
async function expectSecured(response: Response | null, pathname: string, options: { noStore?: boolean } = {}) {
  expect(response, pathname).not.toBeNull();
  expect(response!.status(), pathname).toBe(200);
  const headers = response!.headers();
  const policy = directives(headers["content-security-policy"] ?? "");
  const scriptSrc = policy.get("script-src") ?? [];
  const nonce = scriptSrc.find((value) => value.startsWith("'nonce-"))?.slice("'nonce-".length, -1) ?? "";
  expect(nonce, `${pathname}: script-src has a nonce`).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  expect(scriptSrc, pathname).toContain("'strict-dynamic'");
  expect(scriptSrc, pathname).not.toContain("'unsafe-inline'");
  if (!development) expect(scriptSrc, pathname).not.toContain("'unsafe-eval'");
  expect(policy.get("default-src"), pathname).toEqual(["'self'"]);
  expect(policy.get("frame-ancestors"), pathname).toEqual(["'none'"]);
  expect(policy.get("object-src"), pathname).toEqual(["'none'"]);
  expect(policy.get("base-uri"), pathname).toEqual(["'self'"]);
  expect(policy.get("form-action")?.[0], pathname).toBe("'self'");
  expect(headers["x-frame-options"], pathname).toBe("DENY");
  expect(headers["x-content-type-options"], pathname).toBe("nosniff");
  expect(headers["referrer-policy"], pathname).toBe("strict-origin-when-cross-origin");
  expect(headers["permissions-policy"], pathname).toContain("microphone=(self)");
  if (development) expect(headers["strict-transport-security"], pathname).toBeUndefined();
  else expect(headers["strict-transport-security"], pathname).toMatch(/^max-age=\d{8}/);
  if (options.noStore) expect(headers["cache-control"], pathname).toContain("no-store");

  expect(seenNonces.has(nonce), `${pathname}: a fresh nonce`).toBe(false);
  seenNonces.add(nonce);
  const scriptTags = (await response!.text()).match(/<script\b[^>]*>/g) ?? [];
  expect(scriptTags.length, pathname).toBeGreaterThan(0);
  for (const tag of scriptTags) expect(tag, pathname).toContain(`nonce="${nonce}"`);
}

/** Console errors, uncaught exceptions and CSP violations (reported to the console by an init script). */
async function watchForProblems(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on("console", (message) => {
    // The app has no favicon; Chromium's request for one is not a problem of the page.
    if (message.type() === "error" && !message.location().url.endsWith("/favicon.ico")) problems.push(`${page.url()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`${page.url()}: ${error.message}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "an inline script or style"}`);
    });
  });
  return problems;
}

test("the public pages send the security headers and work under the CSP: follow a link, ask for a reset link, sign in, sign up", async ({
  page,
  browser,
  baseURL,
}) => {
  const problems = await watchForProblems(page);

  await expectSecured(await page.goto("/"), "/");
  await page.getByRole("main").getByRole("link", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/sign-up$/);

  await expectSecured(await page.goto("/forgot-password"), "/forgot-password");
  const email = uniqueEmail("csp-forgot");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Email me a reset link" }).click();
  await expect(page.getByText(`If an account exists for ${email}`)).toBeVisible();

  // Reset and verification links carry a token in the URL: the pages are not stored.
  await expectSecured(await page.goto("/reset-password?token=not-a-real-token"), "/reset-password", { noStore: true });
  await expectSecured(await page.goto("/verify-email?token=not-a-real-token"), "/verify-email", { noStore: true });

  // The sign-in page; the helper then signs in through its form.
  await expectSecured(await page.goto("/sign-in"), "/sign-in");
  await createSignedInUser(page, { label: "csp-signin" });
  await expect(page).toHaveURL(/\/dashboard$/);

  // Signing up, in a browser of its own (this one has a session now).
  const visitor = await (await browser.newContext({ baseURL })).newPage();
  const visitorProblems = await watchForProblems(visitor);
  await expectSecured(await visitor.goto("/sign-up"), "/sign-up");
  await visitor.getByLabel("Email").fill(uniqueEmail("csp-signup"));
  await visitor.getByLabel("Password").fill("correct horse battery");
  await visitor.getByRole("button", { name: "Create account" }).click();
  // Sign-up answers the same whether or not the address is taken, and signs no one in (lib/auth).
  await expect(visitor.getByText("Check your inbox")).toBeVisible({ timeout: 60_000 });
  await visitor.context().close();

  expect([...problems, ...visitorProblems]).toEqual([]);
});

test("the console pages send the security headers and work under the CSP: a real action on each", async ({ page }) => {
  const problems = await watchForProblems(page);
  const user = await createSignedInUser(page, { label: "csp-console", credit: "1.00" });

  await expectSecured(await page.goto("/dashboard"), "/dashboard");
  await page.getByRole("button", { name: `Account: ${user.email}` }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  await page.keyboard.press("Escape");

  // The new key is shown once: the page must not be kept by any cache.
  await expectSecured(await page.goto("/api-keys"), "/api-keys", { noStore: true });
  await page.getByRole("button", { name: "Create API key" }).click();
  const createDialog = page.getByRole("dialog", { name: "Create an API key" });
  await createDialog.getByLabel("Name").fill("CSP");
  await createDialog.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByRole("dialog", { name: "Save your API key" }).getByLabel("Your new API key")).toHaveValue(/^eco_/);
  await page.getByRole("button", { name: "Done" }).click();

  await expectSecured(await page.goto("/playground/chat"), "/playground/chat");
  await page.getByLabel("Model").selectOption("ecolink/tiny-chat");
  const composer = page.getByLabel("Message", { exact: true });
  await composer.fill("Tell me about the sea");
  await composer.press("Enter");
  await expect(page.getByRole("article", { name: "Reply" }).getByLabel("Reply statistics")).toBeVisible({ timeout: 60_000 });

  await expectSecured(await page.goto("/playground/images"), "/playground/images");
  await page.getByLabel("Prompt").fill("Concentric circles");
  await page.getByLabel("Model").selectOption("ecolink/pattern");
  await page.getByLabel("Size").selectOption("256x256");
  await page.getByRole("button", { name: "Generate" }).click();
  // A blob: image (img-src).
  const image = page.getByRole("region", { name: "Generated images" }).getByRole("img", { name: /^Result 1/ });
  await expect(image).toBeVisible({ timeout: 60_000 });
  expect(await image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(256);

  // Recording from the microphone (Permissions-Policy) and a blob: audio preview (media-src).
  await expectSecured(await page.goto("/playground/audio"), "/playground/audio");
  await page.getByLabel("Model").selectOption("pocketsphinx/en-us");
  await page.getByRole("button", { name: "Start recording" }).click();
  await expect(page.getByRole("timer", { name: "Recording time" })).toHaveText("0:04", { timeout: 30_000 });
  await page.getByRole("button", { name: "Stop and transcribe" }).click();
  await expect(page.getByTestId("transcript-text")).toContainText("favorite color is blue", { timeout: 60_000 });
  await page.getByLabel("Audio file").setInputFiles(KNOWN_SENTENCE_WAV);
  await expect(page.getByLabel("Preview of known-sentence.wav")).toBeVisible();

  await expectSecured(await page.goto("/models"), "/models");
  const tinyChat = page.locator('[aria-labelledby="model-ecolink/tiny-chat"]');
  await tinyChat.getByText("Code sample").click();
  await expect(tinyChat.locator("pre").first()).toContainText("/v1/chat/completions");

  // Charts (inline style attributes) and the filter form.
  await expectSecured(await page.goto("/usage"), "/usage");
  await page.getByLabel("Status").selectOption("succeeded");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/status=succeeded/);

  // Starting a top-up sends the browser to Stripe's checkout (not loaded here).
  await expectSecured(await page.goto("/billing"), "/billing");
  await page.route("https://checkout.stripe.com/**", (route) => route.fulfill({ contentType: "text/html", body: "<title>Stripe Checkout</title>" }));
  await page.getByRole("button", { name: "$10", exact: true }).click();
  await page.waitForURL(/^https:\/\/checkout\.stripe\.com\//, { timeout: 60_000 });

  expect(problems).toEqual([]);
});

test("another site cannot frame the API-keys page", async ({ page, baseURL }) => {
  await createSignedInUser(page, { label: "csp-frame" });
  // A page of another site that puts the console in a frame: clickjacking. It is served for real
  // from a loopback address (127.0.0.1 is another site than localhost): a page Playwright made up
  // would count as a public one, and Chromium's local-network rules would block the frame for us.
  const attacker = http.createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html" });
    response.end(`<h1>Win a prize</h1><iframe name="victim" src="${baseURL}/api-keys" width="900" height="700"></iframe>`);
  });
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = attacker.address() as AddressInfo;
    const victimLoaded = page.waitForEvent("framenavigated", { predicate: (frame) => frame.name() === "victim", timeout: 60_000 });
    await page.goto(`http://127.0.0.1:${port}/`);
    await victimLoaded;
    // The browser refused to show our page there: the frame holds its own error page, none of ours.
    const victim = page.frame({ name: "victim" })!;
    await expect.poll(() => victim.url(), { timeout: 30_000 }).toMatch(/^chrome-error:/);
    await expect(victim.getByText(/EcoLink|Sign in|API keys/)).toHaveCount(0);
  } finally {
    await new Promise((resolve) => attacker.close(resolve));
  }
});
