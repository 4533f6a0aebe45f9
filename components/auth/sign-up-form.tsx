"use client";

import Link from "next/link";
import { useActionState } from "react";
import { Alert } from "@/components/ui/alert";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { SubmitButton } from "@/components/ui/submit-button";
import { PASSWORD_MIN_LENGTH } from "@/lib/auth/schemas";
import type { FormResult } from "@/lib/form-errors";
import { FormAlert, fieldError } from "@/components/ui/form-alert";

type SignUpAction = (previous: FormResult<{ email: string }> | null, formData: FormData) => Promise<FormResult<{ email: string }>>;

export function SignUpForm({ action }: { action: SignUpAction }) {
  const [state, formAction] = useActionState(action, null);
  if (state?.ok) {
    // The same words whether the address is new or already has an account (its owner got a note).
    return (
      <Alert variant="success" title="Check your inbox">
        We&apos;ve sent an email to {state.email}. Follow the link in it to verify your address, then{" "}
        <Link href="/sign-in" className="font-medium underline">
          sign in
        </Link>
        .
      </Alert>
    );
  }
  return (
    <form action={formAction} noValidate className="flex flex-col gap-5">
      <FormAlert state={state} fields={["email", "password"]} />
      <Field label="Email" error={fieldError(state, "email")}>
        <Input name="email" type="email" autoComplete="email" required autoFocus defaultValue={state?.values?.email} />
      </Field>
      <Field label="Password" error={fieldError(state, "password")} hint={`At least ${PASSWORD_MIN_LENGTH} characters.`}>
        <Input name="password" type="password" autoComplete="new-password" required minLength={PASSWORD_MIN_LENGTH} />
      </Field>
      <SubmitButton className="w-full">Create account</SubmitButton>
    </form>
  );
}
