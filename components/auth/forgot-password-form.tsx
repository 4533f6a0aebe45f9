"use client";

import { useActionState } from "react";
import { Alert } from "@/components/ui/alert";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { SubmitButton } from "@/components/ui/submit-button";
import type { FormResult } from "@/lib/form-errors";
import { FormAlert, fieldError } from "@/components/ui/form-alert";

type ForgotPasswordAction = (previous: FormResult<{ email: string }> | null, formData: FormData) => Promise<FormResult<{ email: string }>>;

export function ForgotPasswordForm({ action }: { action: ForgotPasswordAction }) {
  const [state, formAction] = useActionState(action, null);
  if (state?.ok) {
    return (
      <Alert variant="success" title="Check your inbox">
        If an account exists for {state.email}, we&apos;ve sent it a link to reset the password. The link expires in 1 hour.
      </Alert>
    );
  }
  return (
    <form action={formAction} noValidate className="flex flex-col gap-5">
      <FormAlert state={state} fields={["email"]} />
      <Field label="Email" error={fieldError(state, "email")}>
        <Input name="email" type="email" autoComplete="email" required autoFocus defaultValue={state?.values?.email} />
      </Field>
      <SubmitButton className="w-full">Email me a reset link</SubmitButton>
    </form>
  );
}
