// The signed-in user, for server components, server actions and route handlers — every one of
// them resolves the user here. The JWT only proves who signed in; whether that session still
// stands (not signed out, no password reset since: lib/auth/sessions.ts) and the user's email and
// verification state are read fresh from the database, once per request thanks to React's cache().
import "server-only";
import { cache } from "react";
import { redirect } from "next/navigation";
import { db } from "@/lib/db";
import { auth } from "./index";

export interface SessionUser {
  id: string;
  email: string;
  /** When the email was verified; null until the user follows the verification link. */
  emailVerified: Date | null;
}

/** The signed-in user, or null (no session, a session that was ended, or the account no longer exists). */
export const getSessionUser = cache(async (): Promise<SessionUser | null> => {
  const session = await auth();
  const id = session?.user?.id;
  const sessionToken = session?.sessionId;
  if (!id || !sessionToken) return null;
  const row = await db.session.findUnique({
    where: { sessionToken },
    select: { userId: true, expires: true, user: { select: { id: true, email: true, emailVerified: true } } },
  });
  if (!row || row.userId !== id || row.expires <= new Date()) return null;
  return row.user;
});

/** The signed-in user; redirects to /sign-in when there is none. */
export async function requireUser(): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) redirect("/sign-in");
  return user;
}
