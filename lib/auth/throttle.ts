// Throttles password guessing without handing attackers a way to lock owners out. Failed sign-ins
// are rows in SignInFailure, shared through the database so the limits hold across app instances:
// - per (account, IP): after a few failures each further attempt from that IP waits twice as long
//   as the one before, up to the window — so the owner, from their own address, still gets in
//   while someone else's address is guessing at their password;
// - per IP, across accounts: one address trying many accounts is stopped for the window.
// The IP is the socket's (or a trusted proxy's word for it: lib/auth/client-ip.ts), so it can't be
// rotated by sending made-up X-Forwarded-For values.
import "server-only";
import { db } from "@/lib/db";
import { DomainError } from "@/lib/errors";

export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
/** Failures from one IP on one account before the backoff starts. */
export const FREE_FAILURES_PER_ACCOUNT_AND_IP = 5;
const FIRST_BACKOFF_MS = 30 * 1000;
export const MAX_FAILURES_PER_IP = 20;

/** When (account, IP) may try again: the last failure plus a delay doubling with each failure past the free ones. */
async function accountAndIpBlockedUntil(email: string, ip: string, since: Date): Promise<number> {
  const recent = await db.signInFailure.findMany({
    where: { email, ip, createdAt: { gte: since } },
    orderBy: { createdAt: "desc" },
    take: FREE_FAILURES_PER_ACCOUNT_AND_IP + 8,
    select: { createdAt: true },
  });
  const excess = recent.length - FREE_FAILURES_PER_ACCOUNT_AND_IP;
  if (excess < 0) return 0;
  const delay = Math.min(FIRST_BACKOFF_MS * 2 ** excess, SIGN_IN_WINDOW_MS);
  return recent[0]!.createdAt.getTime() + delay;
}

/** When the IP may try again: the moment its limit-th most recent failure leaves the window. */
async function ipBlockedUntil(ip: string, since: Date): Promise<number> {
  const recent = await db.signInFailure.findMany({
    where: { ip, createdAt: { gte: since } },
    orderBy: { createdAt: "desc" },
    take: MAX_FAILURES_PER_IP,
    select: { createdAt: true },
  });
  const oldest = recent[MAX_FAILURES_PER_IP - 1];
  return oldest ? oldest.createdAt.getTime() + SIGN_IN_WINDOW_MS : 0;
}

function retryMessage(seconds: number): string {
  if (seconds < 60) return `Too many failed sign-in attempts. Try again in ${seconds} second${seconds === 1 ? "" : "s"}.`;
  const minutes = Math.ceil(seconds / 60);
  return `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}

/** Throws rate_limited (with retryAfterSeconds) while this IP must wait before trying this account (or any). */
export async function assertSignInAllowed(email: string, ip: string): Promise<void> {
  const now = Date.now();
  const since = new Date(now - SIGN_IN_WINDOW_MS);
  const until = Math.max(...(await Promise.all([accountAndIpBlockedUntil(email, ip, since), ipBlockedUntil(ip, since)])));
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
