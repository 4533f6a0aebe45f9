"use client";

import { useActionState } from "react";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { SubmitButton } from "@/components/ui/submit-button";
import { PASSWORD_MIN_LENGTH } from "@/lib/auth/schemas";
import type { FormFailure } from "@/lib/form-errors";
import { FormAlert, fieldError } from "./form-alert";

type SignUpAction = (previous: FormFailure | null, formData: FormData) => Promise<FormFailure | null>;

export function SignUpForm({ action }: { action: SignUpAction }) {
  const [state, formAction] = useActionState(action, null);
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
