import { cx } from "./class-names";

/** A placeholder block shown while content loads; size it with classes (e.g. "h-6 w-24"). */
export function Skeleton({ className }: { className?: string }) {
  return <span aria-hidden="true" className={cx("block animate-pulse rounded-md bg-zinc-200", className)} />;
}
