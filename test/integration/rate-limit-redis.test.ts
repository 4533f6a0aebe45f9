// The shared limiter against a real redis-server: two ioredis clients stand for two app instances
// behind a load balancer, and together they must allow exactly the limit.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { freePort } from "../../scripts/lib/embedded-postgres";
import { ensureDebianPackages } from "../../scripts/lib/system-packages";
import { consumeRateLimit, createRedisRateLimiter } from "@/lib/rate-limit";

let server: ChildProcess | null = null;
let redisUrl = "";
const clients: Redis[] = [];

async function startRedisServer(): Promise<void> {
  if (spawnSync("which", ["redis-server"]).status !== 0) ensureDebianPackages(["redis-server"], "the Redis rate limiter test");
  const port = await freePort();
  server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  redisUrl = `redis://127.0.0.1:${port}`;
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", () => {});
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await probe.connect();
      if ((await probe.ping()) === "PONG") break;
    } catch {
      if (Date.now() > deadline) throw new Error("redis-server did not start");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  probe.disconnect();
}

async function stopRedisServer(): Promise<void> {
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((resolve) => server!.once("exit", resolve));
  server.kill("SIGTERM");
  await exited;
}

function appInstanceClient(): Redis {
  const client = new Redis(redisUrl);
  // Reconnection attempts after the server is stopped are expected here.
  client.on("error", () => {});
  clients.push(client);
  return client;
}

beforeAll(async () => {
  await startRedisServer();
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await stopRedisServer();
});

describe("the Redis rate limiter", () => {
  it("lets two app instances together allow exactly the limit, however the requests interleave", async () => {
    const instanceA = createRedisRateLimiter(appInstanceClient());
    const instanceB = createRedisRateLimiter(appInstanceClient());
    const key = `key-${Math.random()}`;

    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => (i % 2 ? instanceA : instanceB).consume(key, 10)));

    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    expect(
      results
        .filter((r) => r.allowed)
        .map((r) => r.remaining)
        .sort((a, b) => a - b),
    ).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const refused = await instanceA.consume(key, 10);
    expect(refused).toMatchObject({ allowed: false, limit: 10, remaining: 0 });
    expect(refused.resetSeconds).toBeGreaterThan(0);
    expect(refused.resetSeconds).toBeLessThanOrEqual(60);
    // Another key has its own count.
    expect(await instanceB.consume(`${key}-other`, 10)).toMatchObject({ allowed: true, remaining: 9 });
  });

  it("opens a fresh window on every instance once the current one has ended", async () => {
    const redis = appInstanceClient();
    const instanceA = createRedisRateLimiter(redis);
    const instanceB = createRedisRateLimiter(appInstanceClient());
    const key = `key-${Math.random()}`;
    await instanceA.consume(key, 1);
    expect((await instanceB.consume(key, 1)).allowed).toBe(false);

    // Let the window run out now instead of waiting a minute.
    await redis.pexpire(`ecolink:ratelimit:${key}`, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(await instanceB.consume(key, 1)).toEqual({ allowed: true, limit: 1, remaining: 0, resetSeconds: 60 });
    expect((await instanceA.consume(key, 1)).allowed).toBe(false);
  });

  it("is what consumeRateLimit uses when REDIS_URL is set, and falls back to a per-instance count while Redis is down", async () => {
    process.env.REDIS_URL = redisUrl;
    const otherInstance = createRedisRateLimiter(appInstanceClient());
    const key = `key-${Math.random()}`;

    expect(await otherInstance.consume(key, 2)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await consumeRateLimit(key, 2)).toMatchObject({ allowed: true, remaining: 0 });
    expect((await otherInstance.consume(key, 2)).allowed).toBe(false);

    await stopRedisServer();
    const errors: string[] = [];
    const originalError = console.error;
    console.error = (message: unknown) => errors.push(String(message));
    try {
      const duringOutage = `outage-${Math.random()}`;
      expect(await consumeRateLimit(duringOutage, 1)).toMatchObject({ allowed: true, remaining: 0 });
      expect((await consumeRateLimit(duringOutage, 1)).allowed).toBe(false);
    } finally {
      console.error = originalError;
    }
    // The outage is logged once, not once per request.
    expect(errors).toEqual(["Rate limiter: Redis is unavailable, limiting per instance until it answers."]);
  });
});
