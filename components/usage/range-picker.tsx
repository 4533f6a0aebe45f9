import Link from "next/link";
import { cx } from "@/components/ui/class-names";
import { focusRing } from "@/components/ui/focus-ring";
import { USAGE_RANGES, type UsageRange } from "@/lib/usage/ranges";

/** 7 / 30 / 90 days, as links (the page is rendered on the server for the chosen period). */
export function RangePicker({ current }: { current: UsageRange }) {
  return (
    <nav aria-label="Period" className="inline-flex rounded-lg border border-zinc-200 bg-white p-0.5">
      {USAGE_RANGES.map((days) => (
        <Link
          key={days}
          href={`/usage?range=${days}`}
          aria-current={days === current ? "page" : undefined}
          scroll={false}
          className={cx(
            "rounded-md px-3 py-1.5 text-sm font-medium",
            focusRing,
            days === current ? "bg-zinc-900 text-white" : "text-zinc-600 hover:text-zinc-900",
          )}
        >
          {days} days
        </Link>
      ))}
    </nav>
  );
}
