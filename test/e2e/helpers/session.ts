// Signs a browser page in as a fresh, verified user with a known amount of credit. The user is
// made directly in the database (as sign-up plus email verification would leave it) and the
// credit goes through the ledger; the sign-in itself goes through the real /sign-in form.
import { randomUUID } from "node:crypto";
import { expect, type Page } from "@playwright/test";
import { hash } from "@node-rs/argon2";
import { ensureCreditAccount, recordCreditMovement } from "@/lib/credits/ledger";
import { usdToNanos } from "@/lib/credits/money";
import { db } from "@/lib/db";

export interface SignedInUser {
  id: string;
  email: string;
  password: string;
}

export async function createSignedInUser(page: Page, { credit = "1.00", label = "e2e" }: { credit?: string; label?: string } = {}): Promise<SignedInUser> {
  const email = `${label}-${randomUUID().slice(0, 8)}@example.test`;
  const password = `pw-${randomUUID()}`;
  const user = await db.user.create({ data: { email, emailVerified: new Date(), passwordHash: await hash(password) } });
  await ensureCreditAccount(user.id);
  const amount = usdToNanos(credit);
  if (amount > 0n) {
    await recordCreditMovement({ userId: user.id, kind: "ADJUSTMENT", amount, reference: `e2e-credit:${user.id}`, description: "Test credit" });
  }

  // A dev server compiling its first pages may reload the form under the test's hands: try again then.
  await expect(async () => {
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).not.toHaveURL(/\/sign-in/, { timeout: 30_000 });
  }).toPass({ timeout: 150_000 });
  return { id: user.id, email, password };
}
