"use server";

import { requireUser } from "@/lib/auth/session";
import { sendVerificationEmail } from "@/lib/auth/email-verification";
import { formFailure, type FormResult } from "@/lib/form-errors";

/** Emails the signed-in user a new verification link (from the console banner or an expired link's page). */
export async function resendVerificationEmail(): Promise<FormResult<{ message: string }>> {
  const user = await requireUser();
  try {
    await sendVerificationEmail(user.id);
  } catch (error) {
    return formFailure(error);
  }
  return { ok: true, message: `We sent a new verification link to ${user.email}.` };
}
