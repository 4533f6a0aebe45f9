"use client";

import { useFormStatus } from "react-dom";
import { Button, type ButtonProps } from "./button";

/** A form's submit button that shows a spinner (and can't be pressed twice) while the form's action runs. */
export function SubmitButton({ loading, ...rest }: Omit<ButtonProps, "type">) {
  const { pending } = useFormStatus();
  return <Button type="submit" loading={pending || loading} {...rest} />;
}
