"use client";

import { useEffect, useId, useRef, useState } from "react";
import { SubmitButton } from "@/components/ui/submit-button";
import { cx } from "@/components/ui/class-names";
import { focusRing } from "@/components/ui/focus-ring";

/** The signed-in account (email) and "Sign out", behind a button in the header. */
export function AccountMenu({ email, signOutAction }: { email: string; signOutAction: () => Promise<void> }) {
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const container = useRef<HTMLDivElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      if (!container.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        setOpen(false);
        trigger.current?.focus();
      }
    };
    document.addEventListener("pointerdown", onPointerDown);
    document.addEventListener("keydown", onKeyDown);
    return () => {
      document.removeEventListener("pointerdown", onPointerDown);
      document.removeEventListener("keydown", onKeyDown);
    };
  }, [open]);

  return (
    <div ref={container} className="relative">
      <button
        ref={trigger}
        type="button"
        aria-expanded={open}
        aria-controls={menuId}
        aria-label={`Account: ${email}`}
        onClick={() => setOpen((value) => !value)}
        className={cx("flex items-center gap-2 rounded-full p-0.5 hover:bg-zinc-100 sm:rounded-md sm:py-1 sm:pr-2 sm:pl-1", focusRing)}
      >
        <span aria-hidden="true" className="flex size-8 items-center justify-center rounded-full bg-emerald-600 text-sm font-semibold text-white uppercase">
          {email.slice(0, 1)}
        </span>
        <span className="hidden max-w-48 truncate text-sm text-zinc-700 sm:block">{email}</span>
      </button>
      {open ? (
        <div id={menuId} className="absolute right-0 z-30 mt-2 w-64 rounded-lg border border-zinc-200 bg-white p-1 shadow-lg">
          <div className="px-3 py-2">
            <p className="text-xs text-zinc-500">Signed in as</p>
            <p className="truncate text-sm font-medium text-zinc-900">{email}</p>
          </div>
          <div className="my-1 h-px bg-zinc-100" />
          <form action={signOutAction}>
            <SubmitButton variant="ghost" className="w-full justify-start">
              Sign out
            </SubmitButton>
          </form>
        </div>
      ) : null}
    </div>
  );
}
