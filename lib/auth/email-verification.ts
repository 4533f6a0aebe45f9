// Email verification: a link sent at sign-up (and on request) whose first use marks the address
// verified and grants the sign-up credit — in one transaction, so it is all or nothing. The grant
// is idempotent through its ledger reference, which names the normalised mailbox (lib/auth/mailbox.ts)
// rather than the account: the credit is granted once however often the link is followed, and
// once per inbox however many +tagged or dotted spellings of it sign up.
import "server-only";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import { applyMovement } from "@/lib/credits/ledger";
import { formatUsd, usdToNanos } from "@/lib/credits/money";
import { createHash } from "node:crypto";
import { queueEmail } from "@/lib/email/queue";
import { verificationEmail } from "@/lib/email/messages";
import { claimEmailToken, issueEmailToken } from "./email-tokens";
import { normalizedMailbox } from "./mailbox";
import { deploymentOrigin } from "./origin";

export function signupCreditNanos(): bigint {
  return usdToNanos(env().SIGNUP_CREDIT_USD);
}

/** The grant's ledger reference: a hash, so that the ledger doesn't hold email addresses. */
export function signupCreditReference(email: string): string {
  return `signup-mailbox:${createHash("sha256").update(normalizedMailbox(email)).digest("hex")}`;
}

/** Queues a fresh verification link for the user. Throws rate_limited when one was sent a moment ago. */
export async function sendVerificationEmail(userId: string): Promise<void> {
  const user = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true, emailVerified: true } });
  if (user.emailVerified) throw new DomainError("conflict", "Your email is already verified.");
  const token = await issueEmailToken(userId, "VERIFY_EMAIL");
  const link = `${await deploymentOrigin()}/verify-email?token=${encodeURIComponent(token)}`;
  queueEmail(verificationEmail(user.email, link, formatUsd(signupCreditNanos())));
}

export type VerifyEmailResult =
  /** credited is 0 when this mailbox already had its sign-up credit through another account. */
  { status: "verified"; credited: bigint } | { status: "already_verified" } | { status: "expired" } | { status: "invalid" };

export async function verifyEmail(token: string): Promise<VerifyEmailResult> {
  return db.$transaction(async (tx) => {
    const claim = await claimEmailToken(tx, token, "VERIFY_EMAIL");
    if (claim.status === "expired" || claim.status === "invalid") return claim;
    if (claim.status === "used") {
      const user = await tx.user.findUnique({ where: { id: claim.userId }, select: { emailVerified: true } });
      return user?.emailVerified ? { status: "already_verified" } : { status: "invalid" };
    }
    const { userId } = claim;
    await tx.user.updateMany({ where: { id: userId, emailVerified: null }, data: { emailVerified: new Date() } });
    const { email } = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true } });
    const amount = signupCreditNanos();
    const granted = await applyMovement(tx, { userId, kind: "SIGNUP_CREDIT", amount, reference: signupCreditReference(email), description: "Sign-up credit" });
    return { status: "verified", credited: granted ? amount : 0n };
  });
}
