// Money is an integer number of nano-dollars (1 USD = 10^9) held in a BigInt: exact for every
// price we charge (the cheapest token costs tens of nano-dollars) and never a float.

export const NANOS_PER_USD = 1_000_000_000n;
const NANO_DIGITS = 9;

/** Parses a decimal dollar amount ("1", "1.5", "0.000000180") into nano-dollars, exactly. */
export function usdToNanos(usd: string | number): bigint {
  const text = typeof usd === "number" ? usd.toFixed(NANO_DIGITS) : usd.trim();
  const match = /^(-)?(\d+)(?:\.(\d{1,9})\d*)?$/.exec(text);
  if (!match) throw new Error(`Not a dollar amount: ${text}`);
  const [, sign, whole = "0", fraction = ""] = match;
  const nanos = BigInt(whole) * NANOS_PER_USD + BigInt(fraction.padEnd(NANO_DIGITS, "0"));
  return sign ? -nanos : nanos;
}

/** Exact decimal string of dollars with all nine digits ("0.000001234"). */
export function nanosToDecimalString(nanos: bigint): string {
  const negative = nanos < 0n;
  const abs = negative ? -nanos : nanos;
  const whole = abs / NANOS_PER_USD;
  const fraction = (abs % NANOS_PER_USD).toString().padStart(NANO_DIGITS, "0");
  return `${negative ? "-" : ""}${whole}.${fraction}`;
}

/** Dollars as a JSON number for API responses (e.g. usage.cost); the ledger keeps the exact integer. */
export function nanosToUsdNumber(nanos: bigint): number {
  return Number(nanosToDecimalString(nanos));
}

/**
 * Money for people: "$1.00", "-$0.25"; amounts under a cent keep up to six significant decimals
 * ("$0.000123") so that a single request's cost doesn't read as "$0.00".
 */
export function formatUsd(nanos: bigint): string {
  const negative = nanos < 0n;
  const abs = negative ? -nanos : nanos;
  const sign = negative ? "-" : "";
  if (abs === 0n || abs >= 10_000_000n) {
    const rounded = (abs + 5_000_000n) / 10_000_000n;
    const dollars = rounded / 100n;
    const rest = (rounded % 100n).toString().padStart(2, "0");
    return `${sign}$${dollars.toLocaleString("en-US")}.${rest}`;
  }
  const decimal = nanosToDecimalString(abs).replace(/0+$/, "");
  return `${sign}$${decimal}`;
}

/**
 * Money where a change of less than a cent must still show, such as a balance after a few cheap
 * requests: "$0.9973", not "$1.00". Whole cents read as usual ("$1.00"); otherwise up to six
 * decimals, cut rather than rounded so that a balance never reads higher than it is.
 */
export function formatUsdPrecise(nanos: bigint): string {
  const negative = nanos < 0n;
  const abs = negative ? -nanos : nanos;
  if (abs % 10_000_000n === 0n || abs < 10_000_000n) return formatUsd(nanos);
  const whole = abs / NANOS_PER_USD;
  const fraction = (abs % NANOS_PER_USD).toString().padStart(NANO_DIGITS, "0").slice(0, 6).replace(/0+$/, "").padEnd(2, "0");
  return `${negative ? "-" : ""}$${whole.toLocaleString("en-US")}.${fraction}`;
}

/** Cost of `count` units at `pricePerMillion` nano-dollars per million units, rounded up to a whole nano. */
export function perMillion(count: number, pricePerMillion: bigint): bigint {
  const product = BigInt(count) * pricePerMillion;
  return (product + 999_999n) / 1_000_000n;
}
