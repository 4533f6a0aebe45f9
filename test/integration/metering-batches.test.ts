// Reserve and settle writes of one account that wait for each other go to PostgreSQL together
// (lib/credits/account-write-slots.ts): the first WRITES_PER_ACCOUNT go alone, and those that come
// while all of them run go as one statement. Each write in it must still be judged alone, in order.
import { describe, expect, it } from "vitest";
import { WRITES_PER_ACCOUNT } from "@/lib/credits/account-write-slots";
import { getBalance, ledgerTotal, recordCreditMovement } from "@/lib/credits/ledger";
import { checkpointRequests, type Reservation, reserveCredit, settleRequest } from "@/lib/credits/reservations";
import { db } from "@/lib/db";
import { createApiKey } from "@/lib/keys/api-keys";
import { createUser } from "../support/factories";
import { expectSettledBooks } from "../support/v1-fixtures";

async function fundedUser(amount: bigint): Promise<string> {
  const user = await createUser();
  await recordCreditMovement({ userId: user.id, kind: "ADJUSTMENT", amount, reference: `seed:${user.id}`, description: "Opening balance" });
  return user.id;
}

const hold = (userId: string, amount: bigint, apiKeyId: string | null = null) =>
  reserveCredit({ userId, apiKeyId, modelId: "test-model", endpoint: "test", source: "API", amount });

/**
 * Holds of nothing that take every one of the account's slots, so that the holds sent after them
 * wait and go together. They run beside that batch, in any order, and change no one's verdict.
 */
const slotTakers = (userId: string) => Array.from({ length: WRITES_PER_ACCOUNT }, () => hold(userId, 0n));

/** The requests logged in one transaction share its now(): the rows a batch wrote. */
async function sameTransaction(requestIds: string[]): Promise<boolean> {
  const rows = await db.requestLog.findMany({ where: { id: { in: requestIds } }, select: { createdAt: true } });
  return rows.length === requestIds.length && new Set(rows.map((row) => row.createdAt.getTime())).size === 1;
}

describe("an account's writes sent together", () => {
  it("judge each hold alone and in order: one that doesn't fit is refused, and a smaller one after it is held", async () => {
    const userId = await fundedUser(1_000n);
    const first = slotTakers(userId);
    // 500 fits, then 600 no longer does, and 400 still does.
    const together = [hold(userId, 500n), hold(userId, 600n), hold(userId, 400n)];
    const [big, middle, small] = (await Promise.allSettled(together)) as [
      PromiseSettledResult<Reservation>,
      PromiseSettledResult<Reservation>,
      PromiseSettledResult<Reservation>,
    ];
    await Promise.all(first);

    expect(big.status).toBe("fulfilled");
    expect(middle).toMatchObject({ status: "rejected", reason: { code: "insufficient_quota" } });
    expect(small.status).toBe("fulfilled");
    const held = [big, small].map((result) => (result as PromiseFulfilledResult<Reservation>).value);
    expect(await sameTransaction(held.map((r) => r.requestId))).toBe(true);
    expect(held.map((r) => r.spare)).toEqual([500n, 100n]);
    expect(await getBalance(userId)).toEqual({ balance: 1_000n, held: 900n, available: 100n });
    expect(await db.requestLog.count({ where: { userId } })).toBe(WRITES_PER_ACCOUNT + 2);
  });

  it("hold each key's spend limit, over the holds of several keys in one statement", async () => {
    const userId = await fundedUser(1_000_000n);
    const limited = await createApiKey(userId, { name: "limited", expiresAt: null, spendLimit: 250n, rateLimitRpm: null });
    const open = await createApiKey(userId, { name: "open", expiresAt: null, spendLimit: null, rateLimitRpm: null });
    const first = slotTakers(userId);
    const together = await Promise.allSettled([
      hold(userId, 200n, limited.apiKey.id),
      hold(userId, 300n, open.apiKey.id),
      hold(userId, 100n, limited.apiKey.id),
      hold(userId, 50n, open.apiKey.id),
    ]);
    await Promise.all(first);

    expect(together.map((result) => result.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect(together[2]).toMatchObject({ reason: { code: "key_limit_reached" } });
    const keyHeld = await db.apiKey.findMany({ where: { userId }, select: { name: true, held: true }, orderBy: { name: "asc" } });
    expect(keyHeld).toEqual([
      { name: "limited", held: 200n },
      { name: "open", held: 350n },
    ]);
  });

  it("settle each request once, with its own ledger entry and the balance after it, beside checkpoints of the same rows", async () => {
    const userId = await fundedUser(1_000_000n);
    const keys = await Promise.all(["a", "b"].map((name) => createApiKey(userId, { name, expiresAt: null, spendLimit: null, rateLimitRpm: null })));
    const reservations = await Promise.all(Array.from({ length: 24 }, (_, i) => hold(userId, 1_000n, keys[i % 2]!.apiKey.id)));
    // One is settled already: settling it again in a batch changes nothing.
    expect(await settleRequest(reservations[0]!, { status: "SUCCEEDED", cost: 10n })).not.toBeNull();

    // Checkpoints of every row go on while they settle: the flush and the batches lock rows in
    // one order, so neither waits for the other in a circle (a deadlock would fail or stall this).
    const flushes = Promise.all(
      Array.from({ length: 5 }, () => checkpointRequests(reservations.map((r) => ({ requestId: r.requestId, inputTokens: 1, outputTokens: 1, cost: 5n })))),
    );
    const settlements = await Promise.all(
      reservations.map((r, i) => settleRequest(r, { status: i % 3 === 0 ? "FAILED" : "SUCCEEDED", cost: BigInt(100 + i) })),
    );
    await flushes;

    expect(settlements[0]).toBeNull();
    const charged = reservations.reduce((sum, _, i) => (i === 0 || i % 3 === 0 ? sum : sum + BigInt(100 + i)), 10n);
    expect(await expectSettledBooks(userId)).toBe(1_000_000n - charged);
    expect(settlements.filter(Boolean).map((s) => s!.cost)).toEqual(reservations.flatMap((_, i) => (i === 0 ? [] : [i % 3 === 0 ? 0n : BigInt(100 + i)])));
    // Each entry's balance after it is the one before it plus its amount, in the order written.
    const entries = await db.ledgerEntry.findMany({ where: { userId }, orderBy: { id: "asc" }, select: { amount: true, balanceAfter: true } });
    entries.reduce((before, entry) => {
      expect(entry.balanceAfter).toBe(before + entry.amount);
      return entry.balanceAfter;
    }, 0n);
    expect(await ledgerTotal(userId)).toBe(1_000_000n - charged);
    const spent = await db.apiKey.findMany({ where: { userId }, select: { spent: true, held: true } });
    expect(spent.reduce((sum, key) => sum + key.spent, 0n)).toBe(charged);
    expect(spent.every((key) => key.held === 0n)).toBe(true);
  });
});
