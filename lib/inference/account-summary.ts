// GET /v1/me (EcoLink's own endpoint, not OpenAI's): the caller's credit and this key's limits,
// each amount both as a dollar number (easy to compare) and as an exact decimal string.
import "server-only";
import { z } from "zod";
import { getBalance } from "@/lib/credits/ledger";
import { nanosToDecimalString, nanosToUsdNumber } from "@/lib/credits/money";
import { db } from "@/lib/db";
import type { ApiKeyPrincipal } from "@/lib/keys/authenticate-api-key";

// The response's schema: its type here, and its JSON Schema in GET /v1/openapi.json
// (lib/openapi/ecolink-openapi.ts), so the documented shape is the served one.
const amountSchema = z
  .object({
    usd: z.number().describe("Dollars, as a number (easy to compare; may round the last digits)."),
    decimal: z.string().describe('Dollars with all nine decimals of the ledger\'s nano-dollars, e.g. "0.999876000".'),
  })
  .describe("An amount of money, in dollars.");

export const accountSummarySchema = z
  .object({
    object: z.literal("account"),
    balance: amountSchema.describe("Credit on the account, including what in-flight requests hold."),
    held: amountSchema.describe("Held by requests that are still running; released or charged when they end."),
    available: amountSchema.describe("What a new request can use: balance minus held."),
    api_key: z
      .object({
        id: z.string().describe("The id of the API key that made this request."),
        spend_limit: amountSchema.nullable().describe("The key's spend limit; null when it has none."),
        spent: amountSchema.describe("What this key has spent so far."),
        held: amountSchema.describe("What this key's requests in flight hold."),
        rate_limit_rpm: z.number().int().describe("Requests per minute this key may make."),
      })
      .describe("The API key that made this request."),
  })
  .describe("EcoLink's own endpoint (not OpenAI's): the caller's credit and this key's limits.");

export type Amount = z.infer<typeof amountSchema>;
export type AccountSummary = z.infer<typeof accountSummarySchema>;

function amount(nanos: bigint): Amount {
  return { usd: nanosToUsdNumber(nanos), decimal: nanosToDecimalString(nanos) };
}

export async function getAccountSummary(key: ApiKeyPrincipal): Promise<AccountSummary> {
  const [balance, usage] = await Promise.all([
    getBalance(key.userId),
    db.apiKey.findUniqueOrThrow({ where: { id: key.apiKeyId }, select: { spent: true, held: true } }),
  ]);
  return {
    object: "account",
    balance: amount(balance.balance),
    held: amount(balance.held),
    available: amount(balance.available),
    api_key: {
      id: key.apiKeyId,
      spend_limit: key.spendLimit === null ? null : amount(key.spendLimit),
      spent: amount(usage.spent),
      held: amount(usage.held),
      rate_limit_rpm: key.rateLimitRpm,
    },
  };
}
