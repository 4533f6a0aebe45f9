import type { LabelHTMLAttributes } from "react";
import { cx } from "./class-names";

export function Label({ className, ...rest }: LabelHTMLAttributes<HTMLLabelElement>) {
  // biome-ignore lint/a11y/noLabelWithoutControl: the wrapper's callers pass htmlFor or wrap the control.
  return <label className={cx("block text-sm font-medium text-zinc-800", className)} {...rest} />;
}
