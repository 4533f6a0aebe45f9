"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { resetPassword } from "@/lib/auth/password-reset";
import { newPasswordSchema } from "@/lib/auth/schemas";
import { formFailure, formText, invalidInput, type FormFailure } from "@/lib/form-errors";

const resetPasswordSchema = z.object({ token: z.string().min(1, "This reset link is incomplete."), password: newPasswordSchema });

/** Sets the new password, then sends the user to sign in with it. */
export async function chooseNewPassword(_previous: FormFailure | null, formData: FormData): Promise<FormFailure | null> {
  const parsed = resetPasswordSchema.safeParse({ token: formText(formData, "token"), password: formText(formData, "password") });
  if (!parsed.success) return invalidInput(parsed.error);
  try {
    await resetPassword(parsed.data.token, parsed.data.password);
  } catch (error) {
    return formFailure(error);
  }
  redirect("/sign-in?reset=1");
}
