import { describe, expect, it } from "vitest";
import { getBalance, ledgerTotal, recordCreditMovement } from "@/lib/credits/ledger";
import { usdToNanos } from "@/lib/credits/money";
import { reserveCredit, settleRequest } from "@/lib/credits/reservations";
import { db } from "@/lib/db";
import { createApiKey } from "@/lib/keys/api-keys";
import { createUser } from "../support/factories";

describe("the credit ledger", () => {
  it("keeps an exact balance, equal to the ledger, under 50 concurrent grants and debits", async () => {
    const user = await createUser();
    await recordCreditMovement({ userId: user.id, kind: "ADJUSTMENT", amount: usdToNanos("10"), reference: `seed:${user.id}`, description: "Opening balance" });

    const movements = Array.from({ length: 50 }, (_, i) =>
      recordCreditMovement({
        userId: user.id,
        kind: i % 2 === 0 ? "TOP_UP" : "REQUEST_CHARGE",
        amount: i % 2 === 0 ? usdToNanos("0.000000123") : -usdToNanos("0.000000077"),
        reference: `concurrent:${user.id}:${i}`,
        description: `movement ${i}`,
      }),
    );
    const applied = await Promise.all(movements);

    expect(applied.every(Boolean)).toBe(true);
    const expected = usdToNanos("10") + 25n * 123n - 25n * 77n;
    const balance = await getBalance(user.id);
    expect(balance.balance).toBe(expected);
    expect(await ledgerTotal(user.id)).toBe(expected);
    expect(await db.ledgerEntry.count({ where: { userId: user.id } })).toBe(51);
  });

  it("applies a movement once however often its reference is replayed, even concurrently", async () => {
    const user = await createUser();
    const grant = () =>
      recordCreditMovement({ userId: user.id, kind: "SIGNUP_CREDIT", amount: usdToNanos("1"), reference: `signup:${user.id}`, description: "Sign-up credit" });

    const results = await Promise.all(Array.from({ length: 20 }, grant));

    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await getBalance(user.id)).balance).toBe(usdToNanos("1"));
    expect(await ledgerTotal(user.id)).toBe(usdToNanos("1"));
  });

  it("never lets concurrent reservations hold more than the balance", async () => {
    const user = await createUser();
    await recordCreditMovement({ userId: user.id, kind: "ADJUSTMENT", amount: 1000n, reference: `seed:${user.id}`, description: "Opening balance" });

    const attempts = await Promise.allSettled(
      Array.from({ length: 40 }, () =>
        reserveCredit({ userId: user.id, apiKeyId: null, modelId: "test-model", endpoint: "test", source: "API", amount: 100n }),
      ),
    );
    const reserved = attempts.flatMap((a) => (a.status === "fulfilled" ? [a.value] : []));
    expect(reserved).toHaveLength(10);
    expect((await getBalance(user.id)).available).toBe(0n);

    await Promise.all(reserved.map((r, i) => settleRequest(r, { status: i % 2 ? "FAILED" : "SUCCEEDED", cost: 60n })));
    const after = await getBalance(user.id);
    expect(after).toEqual({ balance: 1000n - 5n * 60n, held: 0n, available: 700n });
    expect(await ledgerTotal(user.id)).toBe(700n);
    expect(await settleRequest(reserved[0]!, { status: "SUCCEEDED", cost: 60n })).toBeNull();
  });

  it("runs many concurrent requests on one API key to completion without deadlocking", async () => {
    const user = await createUser();
    await recordCreditMovement({ userId: user.id, kind: "ADJUSTMENT", amount: 1_000_000n, reference: `seed:${user.id}`, description: "Opening balance" });
    const key = await createApiKey(user.id, { name: "busy", expiresAt: null, spendLimit: null, rateLimitRpm: null });

    // Each worker reserves and settles in a loop, so reservations and settlements interleave.
    await Promise.all(
      Array.from({ length: 30 }, async () => {
        for (let i = 0; i < 5; i++) {
          const reservation = await reserveCredit({
            userId: user.id,
            apiKeyId: key.apiKey.id,
            modelId: "test-model",
            endpoint: "test",
            source: "API",
            amount: 100n,
          });
          await settleRequest(reservation, { status: "SUCCEEDED", cost: 40n });
        }
      }),
    );

    expect(await getBalance(user.id)).toEqual({ balance: 1_000_000n - 150n * 40n, held: 0n, available: 1_000_000n - 150n * 40n });
    expect(await ledgerTotal(user.id)).toBe(1_000_000n - 150n * 40n);
    expect(await db.apiKey.findUniqueOrThrow({ where: { id: key.apiKey.id }, select: { spent: true, held: true } })).toEqual({ spent: 6_000n, held: 0n });
  });
});
