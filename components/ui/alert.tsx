import type { ReactNode } from "react";
import { cx } from "./class-names";

export type AlertVariant = "info" | "success" | "warning" | "danger";

const variants: Record<AlertVariant, string> = {
  info: "border-sky-200 bg-sky-50 text-sky-900",
  success: "border-emerald-200 bg-emerald-50 text-emerald-900",
  warning: "border-amber-200 bg-amber-50 text-amber-900",
  danger: "border-red-200 bg-red-50 text-red-900",
};

export interface AlertProps {
  variant?: AlertVariant;
  title?: ReactNode;
  children?: ReactNode;
  /** Buttons or links shown at the end (e.g. "Resend email"). */
  action?: ReactNode;
  className?: string;
}

/** A message box. Errors are announced at once (role="alert"); the others politely (role="status"). */
export function Alert({ variant = "info", title, children, action, className }: AlertProps) {
  return (
    <div
      role={variant === "danger" ? "alert" : "status"}
      className={cx("flex flex-col gap-3 rounded-lg border px-4 py-3 text-sm sm:flex-row sm:items-center", variants[variant], className)}
    >
      <div className="min-w-0 flex-1">
        {title ? <p className="font-medium">{title}</p> : null}
        {children ? <div className={cx(title ? "mt-1" : undefined, "opacity-90")}>{children}</div> : null}
      </div>
      {action ? <div className="flex shrink-0 items-center gap-2">{action}</div> : null}
    </div>
  );
}
