// Limits sign-ups per client IP (SIGNUPS_PER_IP_PER_HOUR), so that one machine can't script
// accounts by the dozen. Counted in the database so that it holds across app instances; every
// attempt counts, whether or not its email already had an account, so the limit reveals nothing.
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";

const WINDOW_MS = 60 * 60 * 1000;

/** Records the attempt, then throws rate_limited if it is past the IP's hourly limit. */
export async function recordSignUpAttempt(ip: string): Promise<void> {
  const limit = env().SIGNUPS_PER_IP_PER_HOUR;
  const windowStart = new Date(Date.now() - WINDOW_MS);
  // Recording first and counting after means concurrent attempts can't all slip under the limit;
  // the IP's attempts that left the window are forgotten on the way.
  await db.$transaction([db.signUpAttempt.deleteMany({ where: { ip, createdAt: { lt: windowStart } } }), db.signUpAttempt.create({ data: { ip } })]);
  const recent = await db.signUpAttempt.findMany({
    where: { ip, createdAt: { gte: windowStart } },
    orderBy: { createdAt: "desc" },
    take: limit + 1,
    select: { createdAt: true },
  });
  if (recent.length <= limit) return;
  const retryAfterSeconds = Math.max(60, Math.ceil((recent[limit - 1]!.createdAt.getTime() + WINDOW_MS - Date.now()) / 1000));
  const minutes = Math.ceil(retryAfterSeconds / 60);
  throw new DomainError("rate_limited", `Too many sign-ups from your network. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`, {
    retryAfterSeconds,
  });
}
