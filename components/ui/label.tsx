import type { LabelHTMLAttributes } from "react";
import { cx } from "./class-names";

export function Label({ className, ...rest }: LabelHTMLAttributes<HTMLLabelElement>) {
  return <label className={cx("block text-sm font-medium text-zinc-800", className)} {...rest} />;
}
