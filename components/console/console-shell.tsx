"use client";

import { useEffect, useRef, useState, type ReactNode } from "react";
import { Logo } from "@/components/ui/logo";
import { cx } from "@/components/ui/class-names";
import { focusRing } from "@/components/ui/focus-ring";
import { ThemeToggle } from "@/components/ui/theme-toggle";
import { AccountMenu } from "./account-menu";
import { BalanceIndicator } from "./balance-indicator";
import type { BalanceResponse } from "@/lib/contracts/balance-response";
import { SidebarNav } from "./sidebar-nav";

interface ConsoleShellProps {
  email: string;
  initialBalance: BalanceResponse;
  signOutAction: () => Promise<void>;
  /** Shown above every page (e.g. the verify-email banner). */
  banner?: ReactNode;
  children: ReactNode;
}

/**
 * The console frame: a sidebar on wide screens; on phones a menu button opens the same
 * navigation in a drawer (a modal <dialog>, so focus stays in it and Esc closes it).
 */
export function ConsoleShell({ email, initialBalance, signOutAction, banner, children }: ConsoleShellProps) {
  const [menuOpen, setMenuOpen] = useState(false);
  const drawer = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = drawer.current;
    if (!dialog) return;
    if (menuOpen && !dialog.open) dialog.showModal();
    if (!menuOpen && dialog.open) dialog.close();
  }, [menuOpen]);

  return (
    <div className="min-h-screen bg-zinc-50">
      <aside className="fixed inset-y-0 left-0 hidden w-60 flex-col border-r border-zinc-200 bg-white px-3 py-4 lg:flex">
        <Logo href="/dashboard" className="mb-6 px-3" />
        <SidebarNav />
      </aside>

      {/* biome-ignore lint/a11y/useKeyWithClickEvents: a click on the backdrop; the keyboard closes a dialog with Escape natively. */}
      <dialog
        ref={drawer}
        aria-label="Navigation"
        onClose={() => setMenuOpen(false)}
        onClick={(event) => {
          if (event.target === event.currentTarget) setMenuOpen(false);
        }}
        className="m-0 h-full max-h-none w-72 max-w-[85vw] border-r border-zinc-200 bg-white p-0 backdrop:bg-black/40 lg:hidden"
      >
        <div className="flex h-full flex-col px-3 py-4">
          <div className="mb-6 flex items-center justify-between">
            <Logo href="/dashboard" className="px-3" />
            <button
              type="button"
              onClick={() => setMenuOpen(false)}
              aria-label="Close menu"
              className={cx("rounded-md p-2 text-zinc-500 hover:bg-zinc-100", focusRing)}
            >
              <svg viewBox="0 0 20 20" fill="currentColor" className="size-5" aria-hidden="true">
                <path d="M6.28 5.22a.75.75 0 0 0-1.06 1.06L8.94 10l-3.72 3.72a.75.75 0 1 0 1.06 1.06L10 11.06l3.72 3.72a.75.75 0 1 0 1.06-1.06L11.06 10l3.72-3.72a.75.75 0 0 0-1.06-1.06L10 8.94 6.28 5.22Z" />
              </svg>
            </button>
          </div>
          <SidebarNav onNavigate={() => setMenuOpen(false)} />
        </div>
      </dialog>

      <div className="lg:pl-60">
        <header className="sticky top-0 z-20 flex h-14 items-center gap-2 border-b border-zinc-200 bg-white/90 px-4 backdrop-blur sm:px-6">
          <button
            type="button"
            onClick={() => setMenuOpen(true)}
            aria-label="Open menu"
            aria-expanded={menuOpen}
            className={cx("-ml-2 rounded-md p-2 text-zinc-600 hover:bg-zinc-100 lg:hidden", focusRing)}
          >
            <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" className="size-5" aria-hidden="true">
              <path d="M4 6h16M4 12h16M4 18h16" />
            </svg>
          </button>
          <Logo href="/dashboard" className="lg:hidden" />
          <div className="ml-auto flex items-center gap-1 sm:gap-2">
            <BalanceIndicator initialData={initialBalance} />
            <ThemeToggle />
            <AccountMenu email={email} signOutAction={signOutAction} />
          </div>
        </header>
        {banner ? <div className="px-4 pt-4 sm:px-6">{banner}</div> : null}
        <main className="mx-auto w-full max-w-6xl px-4 py-6 sm:px-6 sm:py-8">{children}</main>
      </div>
    </div>
  );
}
