import Link from "next/link";
import { cx } from "./class-names";
import { focusRing } from "./focus-ring";

/** The EcoLink wordmark, linking home (or wherever `href` says). */
export function Logo({ href = "/", className }: { href?: string; className?: string }) {
  return (
    <Link href={href} className={cx("inline-flex items-center gap-2 rounded-md font-semibold tracking-tight text-zinc-900", focusRing, className)}>
      <svg viewBox="0 0 24 24" className="size-6 text-emerald-600" fill="currentColor" aria-hidden="true">
        <path d="M12 2 3 7v10l9 5 9-5V7l-9-5Zm0 2.3 6.8 3.8L12 11.9 5.2 8.1 12 4.3ZM5 9.8l6 3.4v6.6l-6-3.4V9.8Zm8 10v-6.6l6-3.4v6.6l-6 3.4Z" />
      </svg>
      <span>EcoLink</span>
    </Link>
  );
}
