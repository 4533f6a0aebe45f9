// Creating an account with an email and password.
import "server-only";
import { db } from "@/lib/db";
import { DomainError } from "@/lib/errors";
import { ensureCreditAccount } from "@/lib/credits/ledger";
import { Prisma } from "@/lib/generated/prisma/client";
import { hashPassword } from "./password";

const DUPLICATE_EMAIL = "An account with this email already exists. Sign in instead.";

/**
 * Creates the user (unverified, with an empty credit account). Throws conflict when the email is
 * taken — also when two sign-ups race for it, through the unique index.
 */
export async function registerUser({ email, password }: { email: string; password: string }): Promise<{ id: string; email: string }> {
  const existing = await db.user.findUnique({ where: { email }, select: { id: true } });
  if (existing) throw new DomainError("conflict", DUPLICATE_EMAIL, { param: "email" });
  const passwordHash = await hashPassword(password);
  try {
    return await db.$transaction(async (tx) => {
      const user = await tx.user.create({ data: { email, passwordHash }, select: { id: true, email: true } });
      await ensureCreditAccount(user.id, tx);
      return user;
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new DomainError("conflict", DUPLICATE_EMAIL, { param: "email" });
    }
    throw error;
  }
}
