import Link from "next/link";
import { buttonClasses } from "@/components/ui/button";

/** "Page 2 of 7" with previous/next links; `hrefFor` keeps the page's other query parameters. */
export function Pagination({ page, pageCount, hrefFor, label }: { page: number; pageCount: number; hrefFor: (page: number) => string; label: string }) {
  if (pageCount <= 1) return null;
  const link = (target: number, text: string, rel: "prev" | "next") =>
    target >= 1 && target <= pageCount ? (
      <Link href={hrefFor(target)} rel={rel} className={buttonClasses({ variant: "secondary", size: "sm" })} scroll={false}>
        {text}
      </Link>
    ) : (
      <span aria-disabled="true" className={buttonClasses({ variant: "secondary", size: "sm", className: "pointer-events-none opacity-50" })}>
        {text}
      </span>
    );
  return (
    <nav aria-label={label} className="flex items-center justify-between gap-3 text-sm text-zinc-600">
      <span>
        Page {page.toLocaleString("en-US")} of {pageCount.toLocaleString("en-US")}
      </span>
      <div className="flex gap-2">
        {link(page - 1, "Previous", "prev")}
        {link(page + 1, "Next", "next")}
      </div>
    </nav>
  );
}
