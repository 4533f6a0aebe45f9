// Checks an email and password: the one place that decides whether a password sign-in succeeds.
import "server-only";
import { db } from "@/lib/db";
import { DomainError } from "@/lib/errors";
import { verifyAgainstDummy, verifyPassword } from "./password";
import { assertSignInAllowed, clearSignInFailures, recordSignInFailure } from "./throttle";

export interface AuthenticatedUser {
  id: string;
  email: string;
}

/**
 * The user whose password this is. Throws rate_limited while sign-ins for the account or IP are
 * throttled, and unauthenticated (recording the failure) for an unknown email or a wrong password
 * — one message for both, so the form doesn't reveal which emails have accounts.
 */
export async function authenticateWithPassword({ email, password, ip }: { email: string; password: string; ip: string }): Promise<AuthenticatedUser> {
  await assertSignInAllowed(email, ip);
  const user = await db.user.findUnique({ where: { email }, select: { id: true, email: true, passwordHash: true } });
  let valid = false;
  if (user?.passwordHash) valid = await verifyPassword(user.passwordHash, password);
  else await verifyAgainstDummy(password);
  if (!user || !valid) {
    await recordSignInFailure(email, ip);
    throw new DomainError("unauthenticated", "Wrong email or password.", { param: "password" });
  }
  await clearSignInFailures(email, ip);
  return { id: user.id, email: user.email };
}
