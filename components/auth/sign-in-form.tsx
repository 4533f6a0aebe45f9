"use client";

import Link from "next/link";
import { useActionState } from "react";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { SubmitButton } from "@/components/ui/submit-button";
import type { FormFailure } from "@/lib/form-errors";
import { FormAlert, fieldError } from "@/components/ui/form-alert";

type SignInAction = (previous: FormFailure | null, formData: FormData) => Promise<FormFailure | null>;

export function SignInForm({ action, callbackUrl }: { action: SignInAction; callbackUrl: string }) {
  const [state, formAction] = useActionState(action, null);
  return (
    // noValidate: our own messages, inline and the same in every browser, instead of native bubbles.
    <form action={formAction} noValidate className="flex flex-col gap-5">
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <FormAlert state={state} fields={["email", "password"]} />
      <Field label="Email" error={fieldError(state, "email")}>
        <Input name="email" type="email" autoComplete="email" required autoFocus defaultValue={state?.values?.email} />
      </Field>
      <Field label="Password" error={fieldError(state, "password")}>
        <Input name="password" type="password" autoComplete="current-password" required />
      </Field>
      <div className="-mt-2 text-right text-sm">
        <Link href="/forgot-password" className="font-medium text-emerald-700 hover:underline">
          Forgot your password?
        </Link>
      </div>
      <SubmitButton className="w-full">Sign in</SubmitButton>
    </form>
  );
}
