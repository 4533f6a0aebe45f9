import { cloneElement, useId, type ReactElement, type ReactNode } from "react";
import { Label } from "./label";

interface ControlProps {
  id?: string;
  "aria-invalid"?: boolean;
  "aria-describedby"?: string;
}

export interface FieldProps {
  label: ReactNode;
  /** The form control (Input, Textarea, Select…); Field gives it an id, aria-invalid and aria-describedby. */
  children: ReactElement<ControlProps>;
  /** A message shown under the control in red, announced with it. */
  error?: string | string[] | null;
  hint?: ReactNode;
  className?: string;
}

/** Label + control + hint + error, wired together so screen readers read them as one field. */
export function Field({ label, children, error, hint, className }: FieldProps) {
  const generatedId = useId();
  const id = children.props.id ?? generatedId;
  const message = Array.isArray(error) ? error[0] : error;
  // The error replaces the hint: it says the same thing, more urgently.
  const hintId = hint && !message ? `${id}-hint` : undefined;
  const errorId = message ? `${id}-error` : undefined;
  const describedBy = [children.props["aria-describedby"], hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div className={className}>
      <Label htmlFor={id}>{label}</Label>
      <div className="mt-1.5">
        {cloneElement(children, { id, "aria-invalid": message ? true : children.props["aria-invalid"], "aria-describedby": describedBy })}
      </div>
      {hintId ? (
        <p id={hintId} className="mt-1.5 text-xs text-zinc-500">
          {hint}
        </p>
      ) : null}
      {message ? (
        <p id={errorId} className="mt-1.5 text-sm text-red-600">
          {message}
        </p>
      ) : null}
    </div>
  );
}
