// Creating an account with an email and password.
import "server-only";
import { db } from "@/lib/db";
import { DomainError } from "@/lib/errors";
import { ensureCreditAccount } from "@/lib/credits/ledger";
import { Prisma } from "@/lib/generated/prisma/client";
import { queueEmail } from "@/lib/email/queue";
import { signUpAttemptEmail } from "@/lib/email/messages";
import { sendVerificationEmail } from "./email-verification";
import { deploymentOrigin } from "./origin";
import { hashPassword } from "./password";
import { recordSignUpAttempt } from "./sign-up-throttle";

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

/**
 * The sign-up form. Its answer is the same whether or not the email already has an account, and
 * so is the work done before answering (a password hash either way, mail queued rather than sent
 * inline), so neither the words nor the timing tell a visitor which addresses are registered. A
 * new address gets its verification link; a registered one gets a note that someone tried, with
 * links to sign in or reset the password. Throws rate_limited past the IP's hourly sign-ups.
 */
export async function requestSignUp({ email, password, ip }: { email: string; password: string; ip: string }): Promise<void> {
  await recordSignUpAttempt(ip);
  let user: { id: string };
  try {
    user = await registerUser({ email, password });
  } catch (error) {
    if (!(error instanceof DomainError && error.code === "conflict")) throw error;
    // registerUser stopped before hashing: spend that time here, as a new account would.
    await hashPassword(password);
    const origin = await deploymentOrigin();
    queueEmail(signUpAttemptEmail(email, `${origin}/sign-in`, `${origin}/forgot-password`));
    return;
  }
  await sendVerificationEmail(user.id);
}
