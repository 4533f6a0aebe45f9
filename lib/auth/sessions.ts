// Revocable sessions. The session cookie is a JWT (Credentials sign-in requires one), which on its
// own stays valid until it expires whatever happens; so each sign-in also gets a row in Session,
// named by a random id carried inside the JWT, and a JWT whose row is gone no longer counts
// (lib/auth/session.ts checks it on every request that resolves the user). Signing out deletes the
// row; a password reset deletes all of the user's.
import { randomBytes } from "node:crypto";
import { db } from "@/lib/db";
import type { Tx } from "@/lib/credits/ledger";

/** A session lasts at most this long from sign-in, as the JWT's own maxAge (Auth.js's default). */
export const SESSION_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;

/** Records a new session for the user and returns its id, to be put in the JWT. */
export async function startSession(userId: string): Promise<string> {
  const sessionToken = randomBytes(32).toString("base64url");
  const now = Date.now();
  await db.$transaction([
    // The user's sessions that ran out without a sign-out are forgotten here, so rows don't pile up.
    db.session.deleteMany({ where: { userId, expires: { lte: new Date(now) } } }),
    db.session.create({ data: { sessionToken, userId, expires: new Date(now + SESSION_LIFETIME_MS) } }),
  ]);
  return sessionToken;
}

export async function endSession(sessionToken: string): Promise<void> {
  await db.session.deleteMany({ where: { sessionToken } });
}

/** Ends every session of the user, e.g. when the password changes. */
export async function endAllSessions(userId: string, tx: Tx = db): Promise<void> {
  await tx.session.deleteMany({ where: { userId } });
}
