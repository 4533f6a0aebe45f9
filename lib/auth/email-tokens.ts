// Single-use tokens sent by email. The token itself only ever exists in the email; the database
// keeps its SHA-256, so a leaked database can't be used to verify addresses or reset passwords.
import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { db } from "@/lib/db";
import { DomainError } from "@/lib/errors";
import type { EmailTokenPurpose } from "@/lib/generated/prisma/enums";
import type { Tx } from "@/lib/credits/ledger";

const LIFETIME_MS: Record<EmailTokenPurpose, number> = {
  VERIFY_EMAIL: 24 * 60 * 60 * 1000,
  RESET_PASSWORD: 60 * 60 * 1000,
};

// Stops the resend button (or a script) from flooding a mailbox.
export const RESEND_COOLDOWN_MS = 60 * 1000;

export function hashEmailToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * Creates a token for the user and returns it (the only time it is seen in clear). Older unused
 * tokens of the same purpose stop working: only the newest link mailed is good, so a link left
 * in an old email (or a mailbox someone once read) can't be used once a new one was asked for.
 */
export async function issueEmailToken(userId: string, purpose: EmailTokenPurpose): Promise<string> {
  const latest = await db.emailToken.findFirst({ where: { userId, purpose }, orderBy: { createdAt: "desc" }, select: { createdAt: true } });
  const wait = latest ? latest.createdAt.getTime() + RESEND_COOLDOWN_MS - Date.now() : 0;
  if (wait > 0) {
    const seconds = Math.ceil(wait / 1000);
    throw new DomainError("rate_limited", `We just sent you an email. You can ask for another one in ${seconds} seconds.`, { retryAfterSeconds: seconds });
  }
  const token = randomBytes(32).toString("base64url");
  const now = new Date();
  await db.$transaction([
    db.emailToken.updateMany({ where: { userId, purpose, usedAt: null }, data: { usedAt: now } }),
    db.emailToken.create({ data: { userId, purpose, tokenHash: hashEmailToken(token), expires: new Date(now.getTime() + LIFETIME_MS[purpose]) } }),
  ]);
  return token;
}

export type ClaimedToken = { status: "claimed"; userId: string } | { status: "used"; userId: string } | { status: "expired" } | { status: "invalid" };

/**
 * Marks the token used inside `tx` if it is valid. Of two concurrent claims of one token exactly
 * one gets "claimed": the conditional update takes the row lock, and the loser re-reads the row
 * once the winner commits and finds it used.
 */
export async function claimEmailToken(tx: Tx, token: string, purpose: EmailTokenPurpose): Promise<ClaimedToken> {
  const row = await tx.emailToken.findUnique({ where: { tokenHash: hashEmailToken(token) } });
  if (!row || row.purpose !== purpose) return { status: "invalid" };
  const now = new Date();
  const claimed = await tx.emailToken.updateMany({ where: { id: row.id, usedAt: null, expires: { gt: now } }, data: { usedAt: now } });
  if (claimed.count === 1) return { status: "claimed", userId: row.userId };
  const current = await tx.emailToken.findUniqueOrThrow({ where: { id: row.id }, select: { usedAt: true } });
  return current.usedAt ? { status: "used", userId: row.userId } : { status: "expired" };
}

/** Whether a token would be accepted now, without using it (to show the reset form or an error). */
export async function emailTokenState(token: string, purpose: EmailTokenPurpose): Promise<"valid" | "used" | "expired" | "invalid"> {
  const row = await db.emailToken.findUnique({ where: { tokenHash: hashEmailToken(token) }, select: { purpose: true, usedAt: true, expires: true } });
  if (!row || row.purpose !== purpose) return "invalid";
  if (row.usedAt) return "used";
  return row.expires > new Date() ? "valid" : "expired";
}
