"use server";

import { requestPasswordReset } from "@/lib/auth/password-reset";
import { emailSchema } from "@/lib/auth/schemas";
import { formFailure, formText, invalidInput, type FormResult } from "@/lib/form-errors";
import { z } from "zod";

const forgotPasswordSchema = z.object({ email: emailSchema });

/** Emails a reset link; the answer is the same whether or not the account exists. */
export async function askForPasswordReset(_previous: FormResult<{ email: string }> | null, formData: FormData): Promise<FormResult<{ email: string }>> {
  const values = { email: formText(formData, "email") };
  const parsed = forgotPasswordSchema.safeParse(values);
  if (!parsed.success) return invalidInput(parsed.error, values);
  try {
    await requestPasswordReset(parsed.data.email);
  } catch (error) {
    return formFailure(error, values);
  }
  return { ok: true, email: parsed.data.email };
}
