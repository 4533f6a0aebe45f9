// Top-up amounts. Stripe counts US dollars in cents; the ledger counts nano-dollars. Plain module
// (no database) so that forms in the browser validate with the same rules as the server.
import { z } from "zod";
import { formatUsd } from "@/lib/credits/money";

export const NANOS_PER_CENT = 10_000_000n;

/** The "Add credit" buttons, in cents. */
export const TOP_UP_PRESETS_CENTS = [500, 1_000, 2_500, 10_000] as const;
export const MIN_TOP_UP_CENTS = 500;
export const MAX_TOP_UP_CENTS = 100_000;

export function centsToNanos(cents: number): bigint {
  return BigInt(cents) * NANOS_PER_CENT;
}

/** Whole cents in `nanos`, rounded down (amounts we send to Stripe always start as cents). */
export function nanosToCents(nanos: bigint): number {
  return Number(nanos / NANOS_PER_CENT);
}

export function formatCents(cents: number): string {
  return formatUsd(centsToNanos(cents));
}

/** Dollars with an optional dot and one or two digits of cents; commas only between groups of three. */
const UNAMBIGUOUS_DOLLARS = /^(\d{1,7}|\d{1,3}(,\d{3}){1,2})(\.\d{1,2})?$/;

/**
 * A dollar amount typed by a person ("25", "25.50", "$1,000") as whole cents, between `min` and
 * `max` cents. A comma is read only as a thousands separator in its usual place: "5,00" or "12,5"
 * (a decimal comma in much of the world) is refused with a hint, not read as $500 or $125.
 */
export function dollarAmountSchema({ min, max, label }: { min: number; max: number; label: string }) {
  return z
    .string({ message: `Enter ${label}.` })
    .trim()
    .transform((text) => text.replace(/^\$/, ""))
    .superRefine((text, context) => {
      if (UNAMBIGUOUS_DOLLARS.test(text)) return;
      const message = text.includes(",") ? "Use a dot for cents, e.g. 5.00." : `Enter ${label} in dollars, like 25 or 25.50.`;
      context.addIssue({ code: "custom", message, fatal: true });
    })
    .transform((text) => {
      const [whole = "0", fraction = ""] = text.replace(/,/g, "").split(".");
      return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
    })
    .pipe(
      z
        .number()
        .min(min, `The smallest amount is ${formatCents(min)}.`)
        .max(max, `The largest amount is ${formatCents(max)}.`),
    );
}

export const topUpAmountSchema = dollarAmountSchema({ min: MIN_TOP_UP_CENTS, max: MAX_TOP_UP_CENTS, label: "an amount" });
