"use client";

import { useActionState } from "react";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { SubmitButton } from "@/components/ui/submit-button";
import { PASSWORD_MIN_LENGTH } from "@/lib/auth/schemas";
import type { FormFailure } from "@/lib/form-errors";
import { FormAlert, fieldError } from "@/components/ui/form-alert";

type ResetPasswordAction = (previous: FormFailure | null, formData: FormData) => Promise<FormFailure | null>;

export function ResetPasswordForm({ action, token }: { action: ResetPasswordAction; token: string }) {
  const [state, formAction] = useActionState(action, null);
  return (
    <form action={formAction} noValidate className="flex flex-col gap-5">
      <input type="hidden" name="token" value={token} />
      <FormAlert state={state} fields={["password"]} />
      <Field label="New password" error={fieldError(state, "password")} hint={`At least ${PASSWORD_MIN_LENGTH} characters.`}>
        <Input name="password" type="password" autoComplete="new-password" required autoFocus minLength={PASSWORD_MIN_LENGTH} />
      </Field>
      <SubmitButton className="w-full">Set new password</SubmitButton>
    </form>
  );
}
