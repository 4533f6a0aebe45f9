import type { ReactNode } from "react";
import { cx } from "./class-names";

/** What a list or table shows when it has nothing yet: what goes here and how to add the first one. */
export function EmptyState({
  title,
  description,
  action,
  icon,
  className,
}: {
  title: ReactNode;
  description?: ReactNode;
  action?: ReactNode;
  icon?: ReactNode;
  className?: string;
}) {
  return (
    <div className={cx("flex flex-col items-center justify-center rounded-xl border border-dashed border-zinc-300 px-6 py-12 text-center", className)}>
      {icon ? (
        <div className="mb-3 text-zinc-400" aria-hidden="true">
          {icon}
        </div>
      ) : null}
      <p className="text-sm font-semibold text-zinc-900">{title}</p>
      {description ? <p className="mt-1 max-w-sm text-sm text-zinc-500">{description}</p> : null}
      {action ? <div className="mt-5">{action}</div> : null}
    </div>
  );
}
