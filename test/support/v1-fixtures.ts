// What the /v1 tests (and the gateway benchmark) set up through the product's own lib/ functions:
// funded users, API keys, and Model rows that point at the loopback upstream
// (test/support/upstream-server.ts); plus readers for server-sent event streams and the money
// checks every billing test ends with. No Vitest import, so that scripts can use it too.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { getBalance, ledgerTotal, recordCreditMovement } from "@/lib/credits/ledger";
import { usdToNanos } from "@/lib/credits/money";
import { db } from "@/lib/db";
import type { ModelKind } from "@/lib/generated/prisma/enums";
import { createApiKey } from "@/lib/keys/api-keys";
import { createUser } from "./factories";
import type { UpstreamServer } from "./upstream-server";

export function appUrl(): string {
  const url = process.env.APP_URL;
  if (!url) throw new Error("APP_URL is not set: these tests need the app server");
  return url;
}

/** A user whose balance is `usd` dollars, from an ADJUSTMENT ledger entry. */
export async function fundedUser(usd: string | bigint, label = "api"): Promise<{ id: string; email: string }> {
  const user = await createUser(label);
  const amount = typeof usd === "bigint" ? usd : usdToNanos(usd);
  if (amount > 0n) {
    await recordCreditMovement({ userId: user.id, kind: "ADJUSTMENT", amount, reference: `test-funding:${user.id}`, description: "Test funding" });
  }
  return user;
}

export async function newApiKey(userId: string, options: { spendLimit?: bigint; rateLimitRpm?: number } = {}): Promise<{ secret: string; id: string }> {
  const created = await createApiKey(userId, {
    name: "test key",
    expiresAt: null,
    spendLimit: options.spendLimit ?? null,
    rateLimitRpm: options.rateLimitRpm ?? null,
  });
  return { secret: created.secret, id: created.apiKey.id };
}

export interface TestModel {
  id: string;
  /** The name the upstream sees (set its behaviour with upstream.behave(model.upstreamModel, …)). */
  upstreamModel: string;
}

export interface TestModelPrices {
  /** Nano-dollars per 1M tokens. */
  inputPrice?: bigint;
  outputPrice?: bigint;
  imagePrices?: Record<string, string>;
  audioMinutePrice?: bigint;
  /** Nano-dollars per 1M characters (speech). */
  characterPrice?: bigint;
}

/** A Model row served by the loopback upstream, with a unique id (containing a slash, like real ones). */
export async function registerUpstreamModel(
  upstream: UpstreamServer | { baseUrl: string },
  kind: ModelKind,
  prices: TestModelPrices = {},
  contextLength = 4096,
  capabilities: { dimensions?: number; adjustableDimensions?: boolean } = {},
): Promise<TestModel> {
  const suffix = randomUUID().slice(0, 8);
  const model = { id: `test-org/${kind.toLowerCase()}-${suffix}`, upstreamModel: `loopback-${kind.toLowerCase()}-${suffix}` };
  await db.model.create({
    data: {
      id: model.id,
      kind,
      displayName: `Test ${kind.toLowerCase()} ${suffix}`,
      description: "A model served by the tests' loopback upstream.",
      ownedBy: "test-org",
      contextLength: kind === "CHAT" || kind === "EMBEDDING" ? contextLength : null,
      inputPrice: prices.inputPrice ?? 200_000_000n,
      outputPrice: prices.outputPrice ?? 600_000_000n,
      imagePrices: kind === "IMAGE" ? (prices.imagePrices ?? { "256x256": "1000000", "512x512": "2000000" }) : undefined,
      audioMinutePrice: prices.audioMinutePrice ?? 6_000_000n,
      characterPrice: prices.characterPrice ?? 15_000_000_000n,
      capabilities,
      provider: "upstream",
      providerConfig: { baseUrl: upstream.baseUrl, upstreamModel: model.upstreamModel },
    },
  });
  return model;
}

/**
 * A copy of a seeded model (its kind, prices, context length and capabilities) served by the
 * loopback upstream under a unique id: the seeded row itself has no server in the tests, and other
 * test files share the database.
 */
export async function registerSeededModelCopy(
  upstream: UpstreamServer | { baseUrl: string },
  seededId: string,
): Promise<TestModel & { seeded: Awaited<ReturnType<typeof db.model.findUniqueOrThrow>> }> {
  const seeded = await db.model.findUniqueOrThrow({ where: { id: seededId } });
  const suffix = randomUUID().slice(0, 8);
  const model = { id: `test-org/${seededId.split("/").at(-1)!.toLowerCase()}-${suffix}`, upstreamModel: `loopback-${seededId.replace("/", "--")}-${suffix}` };
  await db.model.create({
    data: {
      id: model.id,
      kind: seeded.kind,
      displayName: `${seeded.displayName} (test copy ${suffix})`,
      description: seeded.description,
      ownedBy: "test-org",
      contextLength: seeded.contextLength,
      inputPrice: seeded.inputPrice,
      outputPrice: seeded.outputPrice,
      imagePrices: seeded.imagePrices ?? undefined,
      audioMinutePrice: seeded.audioMinutePrice,
      characterPrice: seeded.characterPrice,
      capabilities: seeded.capabilities ?? {},
      provider: "upstream",
      providerConfig: { baseUrl: upstream.baseUrl, upstreamModel: model.upstreamModel },
    },
  });
  return { ...model, seeded };
}

export function bearer(secret: string): Record<string, string> {
  return { authorization: `Bearer ${secret}` };
}

export async function postJson(path: string, secret: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${appUrl()}${path}`, {
    method: "POST",
    ...init,
    headers: { ...bearer(secret), "content-type": "application/json", ...(init.headers as Record<string, string> | undefined) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** The `data:` payloads of an event stream: parsed JSON events, and whether it ended with [DONE]. */
export function parseEventStream(text: string): { events: Record<string, unknown>[]; done: boolean } {
  const payloads = text
    .split("\n\n")
    .map((block) => block.trim())
    .filter(Boolean)
    .map((block) => {
      if (!block.startsWith("data: ")) throw new Error(`Not an SSE data event: ${block}`);
      return block.slice(6);
    });
  const done = payloads.at(-1) === "[DONE]";
  if (payloads.slice(0, -1).includes("[DONE]")) throw new Error("[DONE] before the end of the stream");
  return { events: payloads.filter((p) => p !== "[DONE]").map((p) => JSON.parse(p) as Record<string, unknown>), done };
}

/** The text a stream event carries in its first choice's delta: "" for role, finish, usage and error events. */
export function deltaContent(event: unknown): string {
  const content = (event as { choices?: { delta?: { content?: unknown } }[] }).choices?.[0]?.delta?.content;
  return typeof content === "string" ? content : "";
}

const SETTLEMENT_WAIT_MS = 5_000;

/**
 * The request log row of a request, by the id in its x-request-id header, once settled: a plain
 * answer and a request whose client hung up settle a moment after they end.
 */
export async function requestLog(requestId: string | null) {
  if (!requestId) throw new Error("The response had no x-request-id header");
  return eventually(async () => {
    const row = await db.requestLog.findUniqueOrThrow({ where: { id: requestId } });
    assert.notEqual(row.status, "PENDING", `request ${requestId} was not settled within ${SETTLEMENT_WAIT_MS} ms`);
    return row;
  }, SETTLEMENT_WAIT_MS);
}

/** Resolves once none of the user's requests is PENDING: a plain answer settles a moment after it is sent. */
export async function untilSettled(userId: string): Promise<void> {
  await eventually(async () => {
    const pending = await db.requestLog.count({ where: { userId, status: "PENDING" } });
    assert.equal(pending, 0, `${pending} requests were not settled within ${SETTLEMENT_WAIT_MS} ms`);
  }, SETTLEMENT_WAIT_MS);
}

/**
 * Once every request of the user has settled: nothing held, never below zero, and the balance
 * equals the ledger; returns the balance.
 */
export async function expectSettledBooks(userId: string): Promise<bigint> {
  await untilSettled(userId);
  const balance = await getBalance(userId);
  assert.equal(balance.held, 0n, "credit is still held after every request ended");
  assert.ok(balance.balance >= 0n, `the balance went negative: ${balance.balance}`);
  assert.equal(await ledgerTotal(userId), balance.balance, "the balance differs from the sum of the ledger");
  const costs = await db.requestLog.aggregate({ where: { userId }, _sum: { cost: true } });
  const charges = await db.ledgerEntry.aggregate({ where: { userId, kind: "REQUEST_CHARGE" }, _sum: { amount: true } });
  assert.equal(-(charges._sum.amount ?? 0n), costs._sum.cost ?? 0n, "logged request costs differ from the ledger's charges");
  return balance.balance;
}

/** Polls until `check` passes (e.g. a settlement that happens after the client has gone). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
