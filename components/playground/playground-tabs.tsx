"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cx } from "@/components/ui/class-names";
import { focusRing } from "@/components/ui/focus-ring";

const TABS = [
  { href: "/playground/chat", label: "Chat" },
  { href: "/playground/images", label: "Images" },
  { href: "/playground/audio", label: "Audio" },
  { href: "/playground/speech", label: "Speech" },
  { href: "/playground/embeddings", label: "Embeddings" },
];

/** The playground's sections, as links (each has its own URL) marked with aria-current. */
export function PlaygroundTabs() {
  const pathname = usePathname();
  return (
    <nav aria-label="Playground" className="border-b border-zinc-200">
      <ul className="-mb-px flex gap-1 overflow-x-auto">
        {TABS.map((tab) => {
          const current = pathname === tab.href || pathname.startsWith(`${tab.href}/`);
          return (
            <li key={tab.href}>
              <Link
                href={tab.href}
                aria-current={current ? "page" : undefined}
                className={cx(
                  "inline-flex rounded-t-md border-b-2 px-4 py-2 text-sm font-medium whitespace-nowrap",
                  focusRing,
                  current ? "border-emerald-600 text-emerald-700" : "border-transparent text-zinc-600 hover:border-zinc-300 hover:text-zinc-900",
                )}
              >
                {tab.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
