// The shared limiter for deployments with several app instances: one Redis counter per key and
// window, read and updated by a Lua script so that concurrent requests on different instances
// cannot both take the last slot.
import type { Redis, Result } from "ioredis";
import { RATE_LIMIT_WINDOW_MS, windowResult, type RateLimiter } from "@/lib/rate-limit/window";

// Returns [allowed (0/1), count after this request, milliseconds until the window ends]. A key
// without a TTL (PTTL < 0) has no open window, so a new one starts.
const CONSUME_SCRIPT = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
local count = 0
if ttl > 0 then
  count = tonumber(redis.call('GET', KEYS[1]))
else
  ttl = window
end
if count >= limit then
  return {0, count, ttl}
end
if count == 0 then
  redis.call('SET', KEYS[1], 1, 'PX', window)
else
  redis.call('INCR', KEYS[1])
end
return {1, count + 1, ttl}
`;

declare module "ioredis" {
  interface RedisCommander<Context> {
    ecolinkConsumeRateLimit(key: string, limit: number, windowMs: number): Result<[number, number, number], Context>;
  }
}

export function createRedisRateLimiter(redis: Redis, options: { keyPrefix?: string } = {}): RateLimiter {
  const keyPrefix = options.keyPrefix ?? "ecolink:ratelimit:";
  // Defining the command again on the same client just replaces it with the identical script.
  redis.defineCommand("ecolinkConsumeRateLimit", { numberOfKeys: 1, lua: CONSUME_SCRIPT });
  return {
    async consume(key, limit) {
      const [allowed, count, msUntilReset] = await redis.ecolinkConsumeRateLimit(keyPrefix + key, limit, RATE_LIMIT_WINDOW_MS);
      return windowResult(allowed === 1, limit, count, msUntilReset);
    },
  };
}
