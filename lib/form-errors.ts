// What server actions return to their forms when something is wrong: one sentence for the form
// and, where it belongs to a field, the message under that field. Domain errors (lib/errors.ts)
// already carry sentences written for people; validation errors come from the Zod schemas.
import { z } from "zod";
import { isDomainError } from "@/lib/errors";

export type FieldErrors = Record<string, string[] | undefined>;

export interface FormFailure {
  ok: false;
  error: string;
  fieldErrors?: FieldErrors;
  /** What the user typed (never passwords), to put back into the form after it resets. */
  values?: Record<string, string>;
}

export type FormResult<T extends object = object> = ({ ok: true } & T) | FormFailure;

/** A Zod validation failure, as messages per field. */
export function invalidInput(error: z.ZodError, values?: Record<string, string>): FormFailure {
  return { ok: false, error: "Please fix the highlighted fields.", fieldErrors: z.flattenError(error).fieldErrors as FieldErrors, values };
}

/** A DomainError, as a form failure (under its field when it names one). Anything else is a bug: rethrown. */
export function formFailure(error: unknown, values?: Record<string, string>): FormFailure {
  if (!isDomainError(error)) throw error;
  const param = error.details.param;
  return { ok: false, error: error.message, fieldErrors: param ? { [param]: [error.message] } : undefined, values };
}

/** The text of a form field, or "" (FormData values may be files or missing). */
export function formText(formData: FormData, name: string): string {
  const value = formData.get(name);
  return typeof value === "string" ? value : "";
}
