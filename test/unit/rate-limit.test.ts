import { describe, expect, it } from "vitest";
import { toOpenAIError } from "@/lib/inference/openai-errors";
import { consumeRateLimit, createMemoryRateLimiter, rateLimitExceeded, rateLimitHeaders } from "@/lib/rate-limit";

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("the in-memory rate limiter", () => {
  it("allows the limit within a minute, refuses the next request and allows again when the window ends", async () => {
    const time = clock();
    const limiter = createMemoryRateLimiter({ now: time.now });

    const first = await limiter.consume("key-a", 3);
    expect(first).toEqual({ allowed: true, limit: 3, remaining: 2, resetSeconds: 60 });
    time.advance(20_000);
    expect(await limiter.consume("key-a", 3)).toMatchObject({ allowed: true, remaining: 1, resetSeconds: 40 });
    expect(await limiter.consume("key-a", 3)).toMatchObject({ allowed: true, remaining: 0 });
    time.advance(28_500);
    expect(await limiter.consume("key-a", 3)).toEqual({ allowed: false, limit: 3, remaining: 0, resetSeconds: 12 });

    time.advance(11_500);
    expect(await limiter.consume("key-a", 3)).toEqual({ allowed: true, limit: 3, remaining: 2, resetSeconds: 60 });
  });

  it("counts each key separately and does not count refused requests", async () => {
    const time = clock();
    const limiter = createMemoryRateLimiter({ now: time.now });
    await limiter.consume("key-a", 1);
    for (let i = 0; i < 5; i++) expect((await limiter.consume("key-a", 1)).allowed).toBe(false);
    expect((await limiter.consume("key-b", 1)).allowed).toBe(true);

    time.advance(60_000);
    // Five refusals did not eat into the next window.
    expect(await limiter.consume("key-a", 2)).toMatchObject({ allowed: true, remaining: 1 });
  });

  it("is what consumeRateLimit uses when no REDIS_URL is configured", async () => {
    const key = `unit-${Math.random()}`;
    expect(await consumeRateLimit(key, 2)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await consumeRateLimit(key, 2)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await consumeRateLimit(key, 2)).toMatchObject({ allowed: false, remaining: 0 });
  });
});

describe("rate limit headers", () => {
  it("spell the limit, what remains and the reset like OpenAI, without Retry-After while allowed", () => {
    expect(rateLimitHeaders({ allowed: true, limit: 600, remaining: 599, resetSeconds: 60 })).toEqual({
      "x-ratelimit-limit-requests": "600",
      "x-ratelimit-remaining-requests": "599",
      "x-ratelimit-reset-requests": "1m0s",
    });
    expect(rateLimitHeaders({ allowed: true, limit: 10, remaining: 3, resetSeconds: 0 })["x-ratelimit-reset-requests"]).toBe("0s");
  });

  it("add Retry-After to a refusal, and the refusal maps to a 429 rate_limit_exceeded", () => {
    const refused = { allowed: false, limit: 60, remaining: 0, resetSeconds: 12 };
    expect(rateLimitHeaders(refused)).toEqual({
      "x-ratelimit-limit-requests": "60",
      "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-requests": "12s",
      "retry-after": "12",
    });
    const mapped = toOpenAIError(rateLimitExceeded(refused));
    expect(mapped.status).toBe(429);
    expect(mapped.headers["retry-after"]).toBe("12");
    expect(mapped.body.error).toMatchObject({ type: "requests", code: "rate_limit_exceeded" });
    expect(mapped.body.error.message).toBe("Rate limit reached for requests on this API key: Limit 60 / min. Please try again in 12s.");
  });
});
