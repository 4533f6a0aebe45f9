// Password reset by emailed link. Asking for a link never reveals whether an account exists: the
// answer is the same, and the mail is queued rather than sent while the visitor waits (its SMTP
// round trip would otherwise time the answer). A reset ends every session of the account.
import "server-only";
import { db } from "@/lib/db";
import { DomainError, isDomainError } from "@/lib/errors";
import { queueEmail } from "@/lib/email/queue";
import { passwordResetEmail } from "@/lib/email/messages";
import { claimEmailToken, issueEmailToken } from "./email-tokens";
import { deploymentOrigin } from "./origin";
import { hashPassword } from "./password";
import { endAllSessions } from "./sessions";
import { clearSignInFailures } from "./throttle";

/** Emails a reset link if the account exists; silently does nothing otherwise (or if one was just sent). */
export async function requestPasswordReset(email: string): Promise<void> {
  const user = await db.user.findUnique({ where: { email }, select: { id: true, email: true } });
  if (!user) return;
  try {
    const token = await issueEmailToken(user.id, "RESET_PASSWORD");
    const link = `${await deploymentOrigin()}/reset-password?token=${encodeURIComponent(token)}`;
    queueEmail(passwordResetEmail(user.email, link));
  } catch (error) {
    // A second request within the cooldown: the first email is on its way.
    if (isDomainError(error) && error.code === "rate_limited") return;
    throw error;
  }
}

/**
 * Sets a new password with a reset token; the token and any other outstanding reset links stop
 * working, and so does every session: whoever knew the old password is signed out.
 */
export async function resetPassword(token: string, password: string): Promise<{ email: string }> {
  const passwordHash = await hashPassword(password);
  const email = await db.$transaction(async (tx) => {
    const claim = await claimEmailToken(tx, token, "RESET_PASSWORD");
    if (claim.status !== "claimed") return null;
    await tx.emailToken.updateMany({ where: { userId: claim.userId, purpose: "RESET_PASSWORD", usedAt: null }, data: { usedAt: new Date() } });
    const user = await tx.user.update({ where: { id: claim.userId }, data: { passwordHash }, select: { email: true } });
    await endAllSessions(claim.userId, tx);
    return user.email;
  });
  if (!email) throw new DomainError("invalid_request", "This reset link has expired or was already used. Ask for a new one.");
  // Proving ownership of the mailbox lifts the account's sign-in throttle.
  await clearSignInFailures(email);
  return { email };
}
