import type { HTMLAttributes, TdHTMLAttributes, ThHTMLAttributes } from "react";
import { cx } from "./class-names";
import { focusRing } from "./focus-ring";

/**
 * A data table that scrolls sideways inside its own box on narrow screens instead of widening
 * the page. Give it a `caption` (or aria-label) so it is announced with a name. The scrolling box
 * can take focus (and is a named region) so that keyboard users can scroll it too. It is
 * `relative` so that visually hidden (absolutely positioned) text in a cell is clipped with the
 * rest instead of widening the whole page.
 */
export function Table({ className, caption, children, ...rest }: HTMLAttributes<HTMLTableElement> & { caption?: string }) {
  return (
    <section
      aria-label={caption ?? rest["aria-label"]}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take focus so the keyboard can scroll it (axe scrollable-region-focusable).
      tabIndex={0}
      className={cx("relative w-full overflow-x-auto rounded-xl border border-zinc-200 bg-white", focusRing)}
    >
      <table className={cx("w-full min-w-max border-collapse text-left text-sm", className)} {...rest}>
        {caption ? <caption className="sr-only">{caption}</caption> : null}
        {children}
      </table>
    </section>
  );
}

export function TableHead({ className, ...rest }: HTMLAttributes<HTMLTableSectionElement>) {
  return <thead className={cx("border-b border-zinc-200 bg-zinc-50", className)} {...rest} />;
}

export function TableBody({ className, ...rest }: HTMLAttributes<HTMLTableSectionElement>) {
  return <tbody className={cx("divide-y divide-zinc-100", className)} {...rest} />;
}

export function TableRow({ className, ...rest }: HTMLAttributes<HTMLTableRowElement>) {
  return <tr className={cx("hover:bg-zinc-50/60", className)} {...rest} />;
}

export function TableHeaderCell({ className, scope = "col", ...rest }: ThHTMLAttributes<HTMLTableCellElement>) {
  return <th scope={scope} className={cx("px-4 py-2.5 text-xs font-medium tracking-wide text-zinc-500 uppercase", className)} {...rest} />;
}

export function TableCell({ className, ...rest }: TdHTMLAttributes<HTMLTableCellElement>) {
  return <td className={cx("px-4 py-3 align-middle text-zinc-800", className)} {...rest} />;
}
