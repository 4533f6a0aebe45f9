// Attacks on the console's sessions and sign-in redirect, in a real browser against the
// production server: a session cookie copied before sign-out or a password reset must stop working
// (issue #11, M2), and a callbackUrl crafted to leave the site must land on our own dashboard (M3).
import { expect, test, type Browser, type Cookie, type Page } from "@playwright/test";
import { issueEmailToken } from "@/lib/auth/email-tokens";
import { resetPassword } from "@/lib/auth/password-reset";
import { registerUser } from "@/lib/auth/registration";
import { db } from "@/lib/db";
import { uniqueEmail } from "../support/factories";
import { createSignedInUser } from "./helpers/session";

const PASSWORD = "correct horse battery";

const NAVIGATION = { timeout: 60_000 };

test.describe.configure({ timeout: 240_000 });

/** A second browser (its own cookie jar) holding a copy of the session cookie. */
async function browserWithCookies(browser: Browser, cookies: Cookie[]): Promise<Page> {
  const context = await browser.newContext();
  await context.addCookies(cookies);
  return context.newPage();
}

async function createKey(page: Page, name: string) {
  await page.getByRole("button", { name: "Create API key" }).click();
  const dialog = page.getByRole("dialog", { name: "Create an API key" });
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByRole("button", { name: "Create key" }).click();
}

/** The key dialog open and filled in, ready to submit once the session has been ended elsewhere. */
async function readyToCreateKey(page: Page, name: string) {
  await page.goto("/api-keys");
  await page.getByRole("button", { name: "Create API key" }).click();
  const dialog = page.getByRole("dialog", { name: "Create an API key" });
  await dialog.getByLabel("Name").fill(name);
  return dialog.getByRole("button", { name: "Create key" });
}

test("a session cookie copied before sign-out can't create an API key or open the console afterwards", async ({ page, browser }) => {
  const user = await createSignedInUser(page, { label: "e2e-signout-replay" });
  const copied = await page.context().cookies();

  // The copy works while the session stands: it creates a key.
  const thief = await browserWithCookies(browser, copied);
  await thief.goto("/api-keys");
  await createKey(thief, "Before sign-out");
  await expect(thief.getByRole("dialog", { name: "Save your API key" })).toBeVisible();
  const submit = await readyToCreateKey(thief, "After sign-out");

  await page.getByRole("button", { name: `Account: ${user.email}` }).click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/, NAVIGATION);

  await submit.click();
  await expect(thief).toHaveURL(/\/sign-in/, NAVIGATION);
  const replay = await browserWithCookies(browser, copied);
  await replay.goto("/api-keys");
  await expect(replay).toHaveURL(/\/sign-in/, NAVIGATION);
  expect((await db.apiKey.findMany({ where: { userId: user.id }, select: { name: true } })).map((key) => key.name)).toEqual(["Before sign-out"]);
});

test("a session from before a password reset can't create an API key or open the console afterwards", async ({ page, browser }) => {
  const user = await createSignedInUser(page, { label: "e2e-reset-replay" });
  const copied = await page.context().cookies();
  const submit = await readyToCreateKey(page, "After reset");

  // The owner resets the password by the emailed link (the token as the email would carry it).
  const token = await issueEmailToken(user.id, "RESET_PASSWORD");
  await resetPassword(token, "a brand new passphrase");

  await submit.click();
  await expect(page).toHaveURL(/\/sign-in/, NAVIGATION);
  const replay = await browserWithCookies(browser, copied);
  await replay.goto("/dashboard");
  await expect(replay).toHaveURL(/\/sign-in/, NAVIGATION);
  expect(await db.apiKey.count({ where: { userId: user.id } })).toBe(0);
});

test("a callbackUrl that a browser would read as another host lands on our dashboard", async ({ page, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  // Signing in with it: the form carries the callback to the sign-in action's redirect.
  const email = uniqueEmail("e2e-open-redirect");
  await registerUser({ email, password: PASSWORD });
  await page.goto("/sign-in?callbackUrl=/%09/evil.example");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(`${origin}/dashboard`, NAVIGATION);

  // Already signed in: the sign-in page redirects straight to the callback.
  for (const hostile of ["/%09/evil.example", "/%5C/evil.example", "/%0D%0ALocation:%20http://evil.example/", "//evil.example", "/%E2%80%A8/evil.example"]) {
    await page.goto(`/sign-in?callbackUrl=${hostile}`);
    await expect(page).toHaveURL(`${origin}/dashboard`, NAVIGATION);
  }
});
