import { expect, test, type Locator, type Page } from "@playwright/test";
import { db } from "@/lib/db";
import { registerUser } from "@/lib/auth/registration";
import { firstLink, waitForMail } from "../support/mail-sink";
import { uniqueEmail } from "../support/factories";

const PASSWORD = "correct horse battery";
// The first visit to a page compiles it when the suite runs against `next dev`.
const NAVIGATION = { timeout: 60_000 };

test.describe.configure({ timeout: 240_000 });

// Against `next dev`, a page's first compile makes the browser reload whatever it shows, which
// can swallow a click or wipe a half-filled form; compile the public pages before any test opens them.
test.beforeAll(async ({ request }) => {
  for (const path of ["/", "/sign-up", "/sign-in", "/forgot-password", "/reset-password", "/verify-email"]) {
    expect((await request.get(path, { timeout: 120_000 })).ok()).toBe(true);
  }
});

/** Follows a link, clicking again if `next dev` reloaded the page under the first click. */
async function followLink(page: Page, link: Locator, url: RegExp) {
  await expect(async () => {
    if (!url.test(page.url())) await link.click({ timeout: 5_000 });
    await expect(page).toHaveURL(url, { timeout: 10_000 });
  }).toPass(NAVIGATION);
}

async function fillCredentials(page: Page, email: string, password: string) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
}

async function signIn(page: Page, email: string, password: string) {
  await fillCredentials(page, email, password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("a developer signs up, verifies their email by the emailed link, gets $1.00, signs out and signs in again", async ({ page }) => {
  const email = uniqueEmail("e2e-signup");

  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("OpenAI API");
  await expect(page.getByText("$1.00 free credit when you sign up")).toBeVisible();
  await followLink(page, page.getByRole("main").getByRole("link", { name: "Sign up" }), /\/sign-up$/);
  const since = new Date();
  await fillCredentials(page, email, PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  // The same answer as for an address that already has an account: nothing tells them apart.
  await expect(page.getByText(`We've sent an email to ${email}.`)).toBeVisible();

  // Signed in before verifying, the console asks for the verification.
  await followLink(page, page.getByRole("main").getByRole("link", { name: "sign in", exact: true }), /\/sign-in$/);
  await signIn(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/dashboard$/, NAVIGATION);
  await expect(page.getByText("Verify your email to receive your $1.00 credit")).toBeVisible();
  await expect(page.getByTestId("dashboard-balance")).toHaveText("$0.00");

  const mail = await waitForMail(process.env.MAIL_DIR!, email, { subject: /verify/i, since });
  const link = firstLink(mail);
  expect(new URL(link).origin).toBe(new URL(process.env.APP_URL!).origin);
  await page.goto(link);
  await expect(page.getByText("Your email is verified — $1.00 credit added")).toBeVisible();
  await followLink(page, page.getByRole("link", { name: "Go to your dashboard" }), /\/dashboard$/);
  await expect(page.getByTestId("dashboard-balance")).toHaveText("$1.00");
  await expect(page.getByTestId("header-balance")).toHaveText("$1.00");
  await expect(page.getByText("Verify your email to receive")).toHaveCount(0);
  await expect(page.getByText(/curl http:\/\/localhost:\d+\/v1\/chat\/completions/)).toBeVisible();
  await expect(page.getByRole("link", { name: "Create an API key" }).first()).toHaveAttribute("href", "/api-keys");

  const user = await db.user.findUniqueOrThrow({ where: { email }, include: { ledgerEntries: true } });
  expect(user.emailVerified).not.toBeNull();
  expect(user.passwordHash).toMatch(/^\$argon2id\$/);
  expect(user.ledgerEntries.map((entry) => [entry.kind, entry.amount])).toEqual([["SIGNUP_CREDIT", 1_000_000_000n]]);

  await page.getByRole("button", { name: `Account: ${email}` }).click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/, NAVIGATION);
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Fdashboard$/, NAVIGATION);

  await signIn(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/dashboard$/, NAVIGATION);
  await expect(page.getByTestId("dashboard-balance")).toHaveText("$1.00");
});

test("a visitor without a session is sent from a console page to sign in, and back to that page afterwards", async ({ page }) => {
  const email = uniqueEmail("e2e-return");
  await registerUser({ email, password: PASSWORD });

  await page.goto("/dashboard?from=bookmark");
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Fdashboard%3Ffrom%3Dbookmark$/, NAVIGATION);

  await signIn(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/dashboard\?from=bookmark$/, NAVIGATION);
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Dashboard" })).toHaveAttribute("aria-current", "page");
});

test("bad sign-up and sign-in inputs show inline errors and create nothing", async ({ page }) => {
  const usersBefore = await db.user.count();

  await page.goto("/sign-up");
  await fillCredentials(page, "not-an-email", PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("Enter a valid email address, like name@example.com.")).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue("not-an-email");
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");

  const shortPasswordEmail = uniqueEmail("e2e-short");
  await fillCredentials(page, shortPasswordEmail, "short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("Use at least 8 characters.")).toBeVisible();

  const existing = uniqueEmail("e2e-taken");
  await registerUser({ email: existing, password: PASSWORD });
  await fillCredentials(page, existing.toUpperCase(), "another password");
  await page.getByRole("button", { name: "Create account" }).click();
  // Not "already exists": the form answers as for a new address, and the owner gets an email instead.
  await expect(page.getByText(`We've sent an email to ${existing}.`)).toBeVisible();
  await expect(page.getByText("already exists")).toHaveCount(0);
  await waitForMail(process.env.MAIL_DIR!, existing, { subject: /already have an EcoLink account/ });

  expect(await db.user.count({ where: { email: { in: ["not-an-email", shortPasswordEmail, existing.toUpperCase()] } } })).toBe(0);
  expect(await db.user.count({ where: { email: existing } })).toBe(1);
  expect(await db.user.count()).toBe(usersBefore + 1);

  await page.goto("/sign-in");
  await signIn(page, existing, "wrong password");
  await expect(page.getByText("Wrong email or password.")).toBeVisible();
  await expect(page).toHaveURL(/\/sign-in$/, NAVIGATION);
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Fdashboard$/, NAVIGATION);
});

test("the console works at phone width through the menu button", async ({ page }) => {
  const email = uniqueEmail("e2e-phone");
  await registerUser({ email, password: PASSWORD });
  await page.setViewportSize({ width: 390, height: 844 });

  await page.goto("/sign-in");
  await signIn(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/dashboard$/, NAVIGATION);

  await page.getByRole("button", { name: "Open menu" }).click();
  const drawer = page.getByRole("dialog", { name: "Navigation" });
  await expect(drawer.getByRole("link", { name: "Usage" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(drawer).toBeHidden();

  await page.getByRole("button", { name: "Open menu" }).click();
  await drawer.getByRole("link", { name: "Playground" }).click();
  await expect(page).toHaveURL(/\/playground(\/|$)/, NAVIGATION);
  await expect(drawer).toBeHidden();
});

test("a developer who forgot their password resets it by the emailed link, once, and signs in with the new one", async ({ page }) => {
  const email = uniqueEmail("e2e-reset");
  await registerUser({ email, password: PASSWORD });
  const newPassword = "a brand new passphrase";

  await page.goto("/sign-in");
  await followLink(page, page.getByRole("link", { name: "Forgot your password?" }), /\/forgot-password$/);
  const since = new Date();
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Email me a reset link" }).click();
  await expect(page.getByText(`If an account exists for ${email}`)).toBeVisible();

  const link = firstLink(await waitForMail(process.env.MAIL_DIR!, email, { subject: /reset/i, since }));
  await page.goto(link);
  await page.getByLabel("New password").fill(newPassword);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page).toHaveURL(/\/sign-in\?reset=1$/, NAVIGATION);
  await expect(page.getByText("Your password was changed. Sign in with the new one.")).toBeVisible();

  await signIn(page, email, PASSWORD);
  await expect(page.getByText("Wrong email or password.")).toBeVisible();
  await signIn(page, email, newPassword);
  await expect(page).toHaveURL(/\/dashboard$/, NAVIGATION);

  await page.goto(link);
  await expect(page.getByText("This reset link is invalid or was already used")).toBeVisible();
});
