"use server";

import { AuthError } from "next-auth";
import { PasswordSignInError, signIn } from "@/lib/auth";
import { credentialsSchema, safeCallbackPath } from "@/lib/auth/schemas";
import { formFailure, formText, invalidInput, type FormFailure } from "@/lib/form-errors";

/** Signs in and redirects to the callback path; returns a failure for the form otherwise. */
export async function signInWithPassword(_previous: FormFailure | null, formData: FormData): Promise<FormFailure | null> {
  const values = { email: formText(formData, "email") };
  const parsed = credentialsSchema.safeParse({ email: values.email, password: formText(formData, "password") });
  if (!parsed.success) return invalidInput(parsed.error, values);
  try {
    // Throttling and the password check happen in the Credentials provider (lib/auth/index.ts),
    // which also guards the public /api/auth/callback/credentials endpoint.
    await signIn("credentials", { ...parsed.data, redirectTo: safeCallbackPath(formData.get("callbackUrl")) });
  } catch (error) {
    if (error instanceof PasswordSignInError) return formFailure(error.reason, values);
    if (error instanceof AuthError) return { ok: false, error: "We couldn't sign you in. Please try again.", values };
    throw error; // includes the redirect that signIn() throws on success
  }
  return null;
}
