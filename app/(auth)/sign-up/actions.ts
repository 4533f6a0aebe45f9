"use server";

import { headers } from "next/headers";
import { clientIp } from "@/lib/auth/client-ip";
import { requestSignUp } from "@/lib/auth/registration";
import { signUpSchema } from "@/lib/auth/schemas";
import { formFailure, formText, invalidInput, type FormResult } from "@/lib/form-errors";

/**
 * Creates the account and emails the verification link — or, if the email already has an account,
 * emails its owner a note instead. The answer is the same either way ("check your inbox"), so the
 * form can't be used to find out who has an account (lib/auth/registration.ts).
 */
export async function signUp(_previous: FormResult<{ email: string }> | null, formData: FormData): Promise<FormResult<{ email: string }>> {
  const values = { email: formText(formData, "email") };
  const parsed = signUpSchema.safeParse({ email: values.email, password: formText(formData, "password") });
  if (!parsed.success) return invalidInput(parsed.error, values);
  try {
    await requestSignUp({ ...parsed.data, ip: clientIp(await headers()) });
  } catch (error) {
    return formFailure(error, values);
  }
  return { ok: true, email: parsed.data.email };
}
