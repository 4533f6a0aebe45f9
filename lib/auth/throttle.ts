// Throttles password guessing: failed sign-ins are rows in SignInFailure, counted over a sliding
// 15-minute window per account and per client IP. Shared through the database, so it holds
// across app instances.
import "server-only";
import { db } from "@/lib/db";
import { DomainError } from "@/lib/errors";

export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_IP = 20;

/** When the block lifts: the moment the limit-th most recent failure leaves the window. */
async function blockedUntil(where: { email: string } | { ip: string }, limit: number, since: Date): Promise<Date | null> {
  const recent = await db.signInFailure.findMany({
    where: { ...where, createdAt: { gte: since } },
    orderBy: { createdAt: "desc" },
    take: limit,
    select: { createdAt: true },
  });
  const oldest = recent[limit - 1];
  return oldest ? new Date(oldest.createdAt.getTime() + SIGN_IN_WINDOW_MS) : null;
}

function retryMessage(seconds: number): string {
  if (seconds < 60) return `Too many failed sign-in attempts. Try again in ${seconds} second${seconds === 1 ? "" : "s"}.`;
  const minutes = Math.ceil(seconds / 60);
  return `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}

/** Throws rate_limited (with retryAfterSeconds) while the account or the IP has too many recent failures. */
export async function assertSignInAllowed(email: string, ip: string): Promise<void> {
  const now = Date.now();
  const since = new Date(now - SIGN_IN_WINDOW_MS);
  const [accountUntil, ipUntil] = await Promise.all([
    blockedUntil({ email }, MAX_FAILURES_PER_ACCOUNT, since),
    blockedUntil({ ip }, MAX_FAILURES_PER_IP, since),
  ]);
  const until = Math.max(accountUntil?.getTime() ?? 0, ipUntil?.getTime() ?? 0);
  if (until > now) {
    const retryAfterSeconds = Math.max(1, Math.ceil((until - now) / 1000));
    throw new DomainError("rate_limited", retryMessage(retryAfterSeconds), { retryAfterSeconds });
  }
}

export async function recordSignInFailure(email: string, ip: string): Promise<void> {
  await db.signInFailure.create({ data: { email, ip } });
}

/**
 * Forgets failures once the owner proves who they are: a successful sign-in clears the ones
 * made from the same IP (not others', so signing in to one's own account can't reset an
 * attacker's IP budget), and a password reset by email clears all of the account's.
 */
export async function clearSignInFailures(email: string, ip?: string): Promise<void> {
  await db.signInFailure.deleteMany({ where: ip ? { email, ip } : { email } });
}
