// The JSON contract of GET /api/account/balance, shared by the route (which builds it) and
// useBalance() (which validates it). Amounts are exact decimal strings of dollars with nine
// digits ("1.000000000"); `formatted` holds the same amounts for people ("$1.00").
import { z } from "zod";
import { formatUsdPrecise, nanosToDecimalString } from "@/lib/credits/money";
import type { Balance } from "@/lib/credits/ledger";

const decimalDollars = z.string().regex(/^-?\d+\.\d{9}$/);

export const balanceResponseSchema = z.object({
  balance: decimalDollars,
  held: decimalDollars,
  available: decimalDollars,
  formatted: z.object({ balance: z.string(), held: z.string(), available: z.string() }),
});

export type BalanceResponse = z.infer<typeof balanceResponseSchema>;

export function toBalanceResponse({ balance, held, available }: Balance): BalanceResponse {
  return {
    balance: nanosToDecimalString(balance),
    held: nanosToDecimalString(held),
    available: nanosToDecimalString(available),
    formatted: { balance: formatUsdPrecise(balance), held: formatUsdPrecise(held), available: formatUsdPrecise(available) },
  };
}
