import { describe, expect, it } from "vitest";
import { recordCreditMovement } from "@/lib/credits/ledger";
import { usdToNanos } from "@/lib/credits/money";
import { reserveCredit, settleRequest } from "@/lib/credits/reservations";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import { createApiKey, listApiKeys, newApiKeySchema, revokeApiKey } from "@/lib/keys/api-keys";
import { authenticateApiKey } from "@/lib/keys/authenticate-api-key";
import { generateApiKey, hashApiKey } from "@/lib/keys/key-format";
import { createUser } from "../support/factories";

// As in the app's environment (test/support/stack.ts): error messages point to the console's URL.
process.env.AUTH_URL = "http://localhost:3000";

const noLimits = newApiKeySchema.parse({ name: "Laptop" });

async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe("API keys", () => {
  it("are stored only as a hash and a display prefix; the full key is returned once, at creation", async () => {
    const user = await createUser();
    const { secret, apiKey } = await createApiKey(user.id, noLimits);

    const row = await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(row.keyHash).toBe(hashApiKey(secret));
    expect(Object.values(row).some((value) => typeof value === "string" && value.includes(secret.slice(8, -4)))).toBe(false);
    expect(apiKey.display).toBe(`${secret.slice(0, 8)}…${secret.slice(-4)}`);

    const [listed] = await listApiKeys(user.id);
    expect(listed).toMatchObject({ id: apiKey.id, name: "Laptop", display: apiKey.display, status: "active", spent: 0n, lastUsedAt: null });
    expect(JSON.stringify(listed, (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value))).not.toContain(secret.slice(8, -4));
  });

  it("belong to their user: another user can neither see nor revoke them", async () => {
    const alice = await createUser("alice");
    const bob = await createUser("bob");
    const { secret, apiKey } = await createApiKey(alice.id, noLimits);
    await createApiKey(bob.id, newApiKeySchema.parse({ name: "Bob's key" }));

    expect((await listApiKeys(bob.id)).map((key) => key.id)).not.toContain(apiKey.id);
    expect((await listApiKeys(alice.id)).map((key) => key.id)).toEqual([apiKey.id]);

    const error = await rejection(revokeApiKey(bob.id, apiKey.id));
    expect(error.code).toBe("not_found");
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).revokedAt).toBeNull();
    expect((await authenticateApiKey(`Bearer ${secret}`)).userId).toBe(alice.id);
  });

  it("authenticate a fresh key with its owner, limits and the deployment's default rate limit", async () => {
    const user = await createUser();
    const plain = await createApiKey(user.id, noLimits);
    const limited = await createApiKey(user.id, newApiKeySchema.parse({ name: "CI", spendLimit: "5", rateLimitRpm: "30" }));

    expect(await authenticateApiKey(`Bearer ${plain.secret}`)).toEqual({
      userId: user.id,
      apiKeyId: plain.apiKey.id,
      rateLimitRpm: env().RATE_LIMIT_RPM,
      spendLimit: null,
    });
    expect(await authenticateApiKey(`bearer  ${limited.secret} `)).toEqual({
      userId: user.id,
      apiKeyId: limited.apiKey.id,
      rateLimitRpm: 30,
      spendLimit: usdToNanos("5"),
    });
  });

  it("stop authenticating on the very next request once revoked", async () => {
    const user = await createUser();
    const { secret, apiKey } = await createApiKey(user.id, noLimits);
    await authenticateApiKey(`Bearer ${secret}`);

    const revoked = await revokeApiKey(user.id, apiKey.id);
    expect(revoked.status).toBe("revoked");

    const error = await rejection(authenticateApiKey(`Bearer ${secret}`));
    expect(error.code).toBe("unauthenticated");
    expect(error.message).toContain(`${apiKey.display} has been revoked`);
    expect(error.message).not.toContain(secret);
    // Revoking twice is harmless and keeps the first revocation time.
    expect((await revokeApiKey(user.id, apiKey.id)).revokedAt).toEqual(revoked.revokedAt);
  });

  it("stop authenticating when they expire, and are listed as expired", async () => {
    const user = await createUser();
    const { secret, apiKey } = await createApiKey(
      user.id,
      newApiKeySchema.parse({ name: "Short-lived", expiresAt: new Date(Date.now() + 60_000).toISOString() }),
    );
    await authenticateApiKey(`Bearer ${secret}`);

    await db.apiKey.update({ where: { id: apiKey.id }, data: { expiresAt: new Date(Date.now() - 1000) } });

    const error = await rejection(authenticateApiKey(`Bearer ${secret}`));
    expect(error.code).toBe("unauthenticated");
    expect(error.message).toMatch(/expired on [A-Z][a-z]{2} \d{1,2}, \d{4}/);
    expect((await listApiKeys(user.id))[0]?.status).toBe("expired");
  });

  it("reject unknown, malformed and missing keys with OpenAI's wording and never echo the whole key", async () => {
    const unknown = generateApiKey().key;
    const cases: Array<[string | null, RegExp]> = [
      [`Bearer ${unknown}`, /^Incorrect API key provided: eco_\w{4}…\w{4}\. You can find your API keys at http:\/\/localhost:3000\/api-keys\.$/],
      [`Bearer ${unknown.slice(0, -1)}!`, /^Incorrect API key provided: /],
      ["Bearer sk-proj-0123456789abcdefghij", /^Incorrect API key provided: sk-proj-…ghij\./],
      ["Basic dXNlcjpwYXNz", /^Missing bearer authentication in header$/],
      ["Bearer", /^Missing bearer authentication in header$/],
      [null, /^You didn't provide an API key\./],
      ["   ", /^You didn't provide an API key\./],
    ];
    for (const [header, message] of cases) {
      const error = await rejection(authenticateApiKey(header));
      expect(error.code, String(header)).toBe("unauthenticated");
      expect(error.message, String(header)).toMatch(message);
      expect(error.message).not.toContain(unknown);
    }
  });

  it("show what each key has spent and when it was last used, once its requests settle", async () => {
    const user = await createUser();
    await recordCreditMovement({ userId: user.id, kind: "ADJUSTMENT", amount: usdToNanos("1"), reference: `seed:${user.id}`, description: "Opening balance" });
    const { apiKey } = await createApiKey(user.id, newApiKeySchema.parse({ name: "Metered", spendLimit: "0.50" }));
    const other = await createApiKey(user.id, noLimits);

    const reservation = await reserveCredit({
      userId: user.id,
      apiKeyId: apiKey.id,
      modelId: "test-model",
      endpoint: "/v1/chat/completions",
      source: "API",
      amount: 2000n,
    });
    await settleRequest(reservation, { status: "SUCCEEDED", cost: 1234n });

    const listed = new Map((await listApiKeys(user.id)).map((key) => [key.id, key]));
    expect(listed.get(apiKey.id)).toMatchObject({ spent: 1234n, spendLimit: usdToNanos("0.5") });
    expect(listed.get(apiKey.id)?.lastUsedAt).toBeInstanceOf(Date);
    expect(listed.get(other.apiKey.id)).toMatchObject({ spent: 0n, lastUsedAt: null });
  });
});
