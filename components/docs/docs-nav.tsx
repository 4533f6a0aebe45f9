"use client";

// The docs' sidebar: every page, the current one marked. On a phone it folds into a disclosure
// above the page, so the content comes first on a narrow screen.
import Link from "next/link";
import { usePathname } from "next/navigation";
import { cx } from "@/components/ui/class-names";
import { focusRing } from "@/components/ui/focus-ring";
import { DOCS_NAV } from "@/lib/docs/endpoints";

function NavLinks() {
  const pathname = usePathname();
  return (
    <div className="flex flex-col gap-5">
      {DOCS_NAV.map((section) => (
        <div key={section.title}>
          <p className="px-3 text-xs font-semibold tracking-wide text-zinc-500 uppercase">{section.title}</p>
          <ul className="mt-1.5 flex flex-col gap-0.5">
            {section.links.map((link) => {
              const active = pathname === link.href;
              return (
                <li key={link.href}>
                  <Link
                    href={link.href}
                    aria-current={active ? "page" : undefined}
                    className={cx(
                      "block rounded-md px-3 py-1.5 text-sm transition-colors",
                      focusRing,
                      active ? "bg-emerald-50 font-medium text-emerald-800" : "text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900",
                    )}
                  >
                    {link.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </div>
      ))}
    </div>
  );
}

export function DocsNav() {
  return (
    <>
      <details className="rounded-lg border border-zinc-200 lg:hidden">
        <summary className={cx("cursor-pointer rounded-lg px-3 py-2 text-sm font-medium text-zinc-700", focusRing)}>Documentation menu</summary>
        <nav aria-label="Documentation" className="border-t border-zinc-200 p-2">
          <NavLinks />
        </nav>
      </details>
      <nav aria-label="Documentation" className="hidden lg:block">
        <NavLinks />
      </nav>
    </>
  );
}
