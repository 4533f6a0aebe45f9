// Request limits for /v1, per key and per account (across all its keys). With REDIS_URL set every app instance shares one count per key;
// without it each process counts on its own, which is exact for the single-instance default.
// If Redis cannot be reached, requests are limited per instance until it answers again rather
// than refused outright: an outage of the limiter should not become an outage of the API.
// Kept over rate-limiter-flexible (#15): it counts refused attempts and fixes the limit per limiter
// instance, so our contract (refusals uncounted, a limit per key, a testable clock) would need as
// much wrapper code as these ~190 lines.
import "server-only";
import { Redis } from "ioredis";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import { createMemoryRateLimiter } from "@/lib/rate-limit/memory-limiter";
import { createRedisRateLimiter } from "@/lib/rate-limit/redis-limiter";
import type { RateLimiter, RateLimitResult } from "@/lib/rate-limit/window";

export type { RateLimiter, RateLimitResult } from "@/lib/rate-limit/window";
export { RATE_LIMIT_WINDOW_MS } from "@/lib/rate-limit/window";
export { createMemoryRateLimiter } from "@/lib/rate-limit/memory-limiter";
export { createRedisRateLimiter } from "@/lib/rate-limit/redis-limiter";

interface Limiters {
  shared: RateLimiter | null;
  local: RateLimiter;
  lastFailureLoggedAt: number;
}

// Kept on globalThis so that counts survive module reloads in development.
const globalForLimiter = globalThis as unknown as { ecolinkRateLimiters?: Limiters };

function limiters(): Limiters {
  if (!globalForLimiter.ecolinkRateLimiters) {
    const redisUrl = env().REDIS_URL;
    let shared: RateLimiter | null = null;
    if (redisUrl) {
      // Fail fast while Redis is away so requests fall back to the local count instead of waiting.
      const client = new Redis(redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 1_000 });
      // Connection errors surface as failed commands below; without a listener ioredis prints each retry.
      client.on("error", () => {});
      shared = createRedisRateLimiter(client);
    }
    globalForLimiter.ecolinkRateLimiters = { shared, local: createMemoryRateLimiter(), lastFailureLoggedAt: 0 };
  }
  return globalForLimiter.ecolinkRateLimiters;
}

export async function consumeRateLimit(key: string, limitPerMinute: number): Promise<RateLimitResult> {
  const state = limiters();
  if (!state.shared) return state.local.consume(key, limitPerMinute);
  try {
    return await state.shared.consume(key, limitPerMinute);
  } catch (error) {
    // Once per outage-ish interval, not once per request.
    if (Date.now() - state.lastFailureLoggedAt > 10_000) {
      state.lastFailureLoggedAt = Date.now();
      console.error("Rate limiter: Redis is unavailable, limiting per instance until it answers.", error);
    }
    return state.local.consume(key, limitPerMinute);
  }
}

/** OpenAI's spelling of a duration: "0s", "12s", "1m0s". */
function formatResetDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m${seconds % 60}s` : `${seconds}s`;
}

export function rateLimitHeaders(result: RateLimitResult): Record<string, string> {
  const headers: Record<string, string> = {
    "x-ratelimit-limit-requests": String(result.limit),
    "x-ratelimit-remaining-requests": String(result.remaining),
    "x-ratelimit-reset-requests": formatResetDuration(result.resetSeconds),
  };
  if (!result.allowed) headers["retry-after"] = String(Math.max(1, result.resetSeconds));
  return headers;
}

/** The 429 for a refused request, worded like OpenAI's. Send it with rateLimitHeaders(result). */
export function rateLimitExceeded(result: RateLimitResult, scope: "API key" | "account" = "API key"): DomainError {
  return new DomainError(
    "rate_limited",
    `Rate limit reached for requests on this ${scope}: Limit ${result.limit} / min. ` +
      `Please try again in ${formatResetDuration(Math.max(1, result.resetSeconds))}.`,
    { retryAfterSeconds: Math.max(1, result.resetSeconds) },
  );
}
