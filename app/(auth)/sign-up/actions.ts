"use server";

import { AuthError } from "next-auth";
import { redirect } from "next/navigation";
import { signIn } from "@/lib/auth";
import { sendVerificationEmail } from "@/lib/auth/email-verification";
import { registerUser } from "@/lib/auth/registration";
import { signUpSchema } from "@/lib/auth/schemas";
import { formFailure, formText, invalidInput, type FormFailure } from "@/lib/form-errors";

/** Creates the account, emails the verification link and signs the new user in (to the dashboard). */
export async function signUp(_previous: FormFailure | null, formData: FormData): Promise<FormFailure | null> {
  const values = { email: formText(formData, "email") };
  const parsed = signUpSchema.safeParse({ email: values.email, password: formText(formData, "password") });
  if (!parsed.success) return invalidInput(parsed.error, values);
  let user: { id: string };
  try {
    user = await registerUser(parsed.data);
  } catch (error) {
    return formFailure(error, values);
  }
  try {
    await sendVerificationEmail(user.id);
  } catch (error) {
    // The account exists either way; the console's banner offers to resend the link.
    console.error("Could not send the verification email after sign-up:", error);
  }
  try {
    await signIn("credentials", { ...parsed.data, redirectTo: "/dashboard" });
  } catch (error) {
    // Only if this IP is being throttled: the account is made, so let them sign in by hand later.
    if (error instanceof AuthError) redirect("/sign-in?callbackUrl=/dashboard");
    throw error;
  }
  return null;
}
