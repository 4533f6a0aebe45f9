// The contract every rate limiter backend keeps. Limits are fixed 60-second windows per key: the
// first request of a key opens its window, at most `limit` requests are allowed in it, and the
// count starts over when it ends. Refused requests are not counted, so a client that retries too
// early does not push its own reset further away.

export const RATE_LIMIT_WINDOW_MS = 60_000;

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Whole seconds until the window ends and the full limit is available again. */
  resetSeconds: number;
}

export interface RateLimiter {
  consume(key: string, limitPerMinute: number): Promise<RateLimitResult>;
}

export function windowResult(allowed: boolean, limit: number, used: number, msUntilReset: number): RateLimitResult {
  return {
    allowed,
    limit,
    remaining: Math.max(0, limit - used),
    resetSeconds: Math.max(allowed ? 0 : 1, Math.ceil(msUntilReset / 1000)),
  };
}
