// One visible keyboard focus style for every interactive primitive (mouse clicks don't show it).
export const focusRing = "outline-none focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-600";
