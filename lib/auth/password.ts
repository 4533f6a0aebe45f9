// Password hashing with argon2id (@node-rs/argon2's defaults follow the OWASP recommendation).
import "server-only";
import { hash, verify } from "@node-rs/argon2";

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    // A malformed stored hash is a wrong password, not a crash of the sign-in page.
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of one verification when the account doesn't exist, so that the response
 * time doesn't tell an attacker which emails have accounts.
 */
export async function verifyAgainstDummy(password: string): Promise<void> {
  dummyHash ??= hash("not-a-real-password-for-timing-only");
  await verify(await dummyHash, password).catch(() => false);
}
