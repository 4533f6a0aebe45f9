"use client";

import { useActionState } from "react";
import { SubmitButton } from "@/components/ui/submit-button";
import type { ButtonVariant } from "@/components/ui/button";
import type { FormResult } from "@/lib/form-errors";

type ResendAction = () => Promise<FormResult<{ message: string }>>;

/** "Resend email" with the outcome ("We sent a new link…" or why not) announced next to it. */
export function ResendVerificationButton({ action, variant = "secondary" }: { action: ResendAction; variant?: ButtonVariant }) {
  const [state, formAction] = useActionState(async () => action(), null);
  return (
    <form action={formAction} className="flex flex-col items-start gap-2 sm:flex-row sm:items-center">
      <SubmitButton variant={variant} size="sm">
        Resend email
      </SubmitButton>
      <p aria-live="polite" className="text-sm">
        {state ? (state.ok ? state.message : state.error) : null}
      </p>
    </form>
  );
}
