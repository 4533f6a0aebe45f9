// GET /v1/me (EcoLink's own endpoint, not OpenAI's): the caller's credit and this key's limits,
// each amount both as a dollar number (easy to compare) and as an exact decimal string.
import "server-only";
import { getBalance } from "@/lib/credits/ledger";
import { nanosToDecimalString, nanosToUsdNumber } from "@/lib/credits/money";
import { db } from "@/lib/db";
import type { ApiKeyPrincipal } from "@/lib/keys/authenticate-api-key";

export interface Amount {
  usd: number;
  /** Dollars with all nine decimals of the ledger's nano-dollars, e.g. "0.999876000". */
  decimal: string;
}

export interface AccountSummary {
  object: "account";
  /** Credit on the account, including what in-flight requests hold. */
  balance: Amount;
  /** Held by requests that are still running; released or charged when they end. */
  held: Amount;
  /** What a new request can use: balance minus held. */
  available: Amount;
  api_key: {
    id: string;
    spend_limit: Amount | null;
    spent: Amount;
    held: Amount;
    rate_limit_rpm: number;
  };
}

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
