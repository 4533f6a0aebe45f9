import { Alert } from "@/components/ui/alert";
import type { FormFailure } from "@/lib/form-errors";

/**
 * The form-level error: shown unless the message already appears under one of the form's
 * visible fields (then that inline message is enough).
 */
export function FormAlert({ state, fields }: { state: { ok: boolean } | FormFailure | null; fields: string[] }) {
  if (!state || state.ok) return null;
  const failure = state as FormFailure;
  if (fields.some((field) => failure.fieldErrors?.[field]?.length)) return null;
  return <Alert variant="danger">{failure.error}</Alert>;
}

/** The inline error of one field, if any. */
export function fieldError(state: { ok: boolean } | FormFailure | null, field: string): string | undefined {
  return state && !state.ok ? (state as FormFailure).fieldErrors?.[field]?.[0] : undefined;
}
