// Who a playground request is billed to: the signed-in user, with no API key, logged as
// PLAYGROUND. The gateway core then prices, reserves, logs and settles it exactly like a /v1 call.
// Per-key rate limits need a key, so the playground counts requests per user against the
// deployment's default limit instead.
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import type { InferencePrincipal } from "@/lib/inference/metering";
import { consumeRateLimit } from "@/lib/rate-limit";

export async function playgroundPrincipal(userId: string): Promise<InferencePrincipal> {
  const limit = await consumeRateLimit(`playground:${userId}`, env().RATE_LIMIT_RPM);
  if (!limit.allowed) {
    const retryAfterSeconds = Math.max(1, limit.resetSeconds);
    throw new DomainError("rate_limited", `The playground allows ${limit.limit} requests a minute.`, { retryAfterSeconds });
  }
  return { userId, apiKeyId: null, source: "PLAYGROUND", keySpendLimited: false };
}
