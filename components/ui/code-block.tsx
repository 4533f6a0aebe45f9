"use client";

import { useId, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { cx } from "./class-names";
import { CopyButton } from "./copy-button";
import { focusRing } from "./focus-ring";

export interface CodeSample {
  /** Tab label, e.g. "curl", "Python". */
  label: string;
  code: string;
}

/**
 * Preformatted code with a copy button. With several `samples` it shows tabs (WAI-ARIA tabs
 * pattern: arrow keys move between them) and copies the visible one. A single `code` may come with
 * `highlighted`, the same text as syntax-highlighted elements, which is shown in its place.
 */
export function CodeBlock({
  code,
  samples,
  title,
  highlighted,
  className,
}: {
  code?: string;
  samples?: CodeSample[];
  title?: string;
  highlighted?: ReactNode;
  className?: string;
}) {
  const all = samples ?? [{ label: title ?? "", code: code ?? "" }];
  const [active, setActive] = useState(0);
  const tabRefs = useRef<Array<HTMLButtonElement | null>>([]);
  const baseId = useId();
  const current = all[Math.min(active, all.length - 1)]!;
  const tabbed = all.length > 1;

  function onTabKeyDown(event: KeyboardEvent<HTMLButtonElement>) {
    const delta = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    const next = event.key === "Home" ? 0 : event.key === "End" ? all.length - 1 : (active + delta + all.length) % all.length;
    if (delta === 0 && event.key !== "Home" && event.key !== "End") return;
    event.preventDefault();
    setActive(next);
    tabRefs.current[next]?.focus();
  }

  return (
    <div className={cx("fixed-palette overflow-hidden rounded-lg border border-zinc-800 bg-zinc-950 text-zinc-100", className)}>
      <div className="flex items-center justify-between gap-2 border-b border-zinc-800 px-2 py-1.5">
        {tabbed ? (
          <div role="tablist" aria-label={title ?? "Code samples"} className="flex min-w-0 gap-1 overflow-x-auto">
            {all.map((sample, index) => (
              <button
                key={sample.label}
                ref={(element) => {
                  tabRefs.current[index] = element;
                }}
                type="button"
                role="tab"
                id={`${baseId}-tab-${index}`}
                aria-selected={index === active}
                aria-controls={`${baseId}-panel`}
                tabIndex={index === active ? 0 : -1}
                onClick={() => setActive(index)}
                onKeyDown={onTabKeyDown}
                className={cx(
                  "rounded px-2.5 py-1 text-xs font-medium whitespace-nowrap",
                  focusRing,
                  index === active ? "bg-zinc-800 text-white" : "text-zinc-400 hover:text-zinc-200",
                )}
              >
                {sample.label}
              </button>
            ))}
          </div>
        ) : (
          <span className="px-2 text-xs font-medium text-zinc-400">{current.label}</span>
        )}
        <CopyButton value={current.code} label={`Copy ${current.label || "code"}`.trim()} />
      </div>
      <pre
        id={`${baseId}-panel`}
        {...(tabbed && { role: "tabpanel", "aria-labelledby": `${baseId}-tab-${active}` })}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable block must take focus so the keyboard can scroll it.
        tabIndex={0}
        className={cx("overflow-x-auto p-4 font-mono text-[13px] leading-relaxed", focusRing)}
      >
        <code className={highlighted ? "hljs" : undefined}>{highlighted ?? current.code}</code>
      </pre>
    </div>
  );
}
