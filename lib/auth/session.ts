// The signed-in user, for server components, server actions and route handlers. The JWT only
// proves who the user is; email and verification state are read fresh from the database (they
// change after sign-in), once per request thanks to React's cache().
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

/** The signed-in user, or null (no session, or the account no longer exists). */
export const getSessionUser = cache(async (): Promise<SessionUser | null> => {
  const session = await auth();
  const id = session?.user?.id;
  if (!id) return null;
  return db.user.findUnique({ where: { id }, select: { id: true, email: true, emailVerified: true } });
});

/** The signed-in user; redirects to /sign-in when there is none. */
export async function requireUser(): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) redirect("/sign-in");
  return user;
}
