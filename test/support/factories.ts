// Test data made through the same lib/ functions the product uses.
import { randomUUID } from "node:crypto";
import { db } from "@/lib/db";
import { ensureCreditAccount } from "@/lib/credits/ledger";

export function uniqueEmail(label = "user"): string {
  return `${label}-${randomUUID().slice(0, 8)}@example.test`;
}

/** A user with a credit account and a zero balance (no sign-up grant). */
export async function createUser(label = "user"): Promise<{ id: string; email: string }> {
  const user = await db.user.create({ data: { email: uniqueEmail(label), emailVerified: new Date() } });
  await ensureCreditAccount(user.id);
  return { id: user.id, email: user.email };
}
