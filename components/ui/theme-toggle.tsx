"use client";

import { useTheme } from "next-themes";
import { useSyncExternalStore } from "react";
import { cx } from "./class-names";
import { focusRing } from "./focus-ring";
import { LineIcon } from "./line-icon";

const ORDER = ["system", "light", "dark"] as const;
type ThemeChoice = (typeof ORDER)[number];
const NAMES: Record<ThemeChoice, string> = { system: "System", light: "Light", dark: "Dark" };

const ICONS: Record<ThemeChoice, string> = {
  // A monitor, a sun, a moon (24px outline icons).
  system: "M4 5h16v11H4zM9 20h6M12 16v4",
  light: "M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8zM12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4",
  dark: "M20 14.5A8 8 0 0 1 9.5 4a8 8 0 1 0 10.5 10.5z",
};

const noSubscription = () => () => {};

/**
 * Cycles the colour theme: follow the system, light, dark. The server can't know the stored
 * choice, so until hydration the button renders without one (no hydration mismatch).
 */
export function ThemeToggle({ className }: { className?: string }) {
  const { theme, setTheme } = useTheme();
  const hydrated = useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
  const current: ThemeChoice = hydrated && (theme === "light" || theme === "dark") ? theme : "system";
  const next = ORDER[(ORDER.indexOf(current) + 1) % ORDER.length]!;
  return (
    <button
      type="button"
      onClick={() => setTheme(next)}
      aria-label={`Theme: ${NAMES[current]}. Switch to ${NAMES[next]}`}
      title={`Theme: ${NAMES[current]}`}
      className={cx("rounded-md p-2 text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900", focusRing, className)}
    >
      <LineIcon d={ICONS[current]} />
    </button>
  );
}
