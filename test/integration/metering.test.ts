// The gateway's metering against the real database: a request settled in the background (the API
// answers first) still holds its credit until the settlement lands, and the same user's next
// request, which only that hold stands in the way of, waits for it instead of being refused.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { getBalance, ledgerTotal } from "@/lib/credits/ledger";
import { db } from "@/lib/db";
import { backgroundSettlementsLanded, openRequest, settleInBackground, type InferencePrincipal } from "@/lib/inference/metering";
import { fundedUser } from "../support/v1-fixtures";

const HOLD = 1_000_000n;

async function userWithBalance(amount: bigint): Promise<InferencePrincipal> {
  const user = await fundedUser(amount, "metering");
  return { userId: user.id, apiKeyId: null, source: "API" };
}

/** Holds a row lock on a request's log row, which its settlement must take first, until released. */
async function blockSettlementOf(requestId: string): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  await client.query("BEGIN");
  await client.query(`SELECT 1 FROM "RequestLog" WHERE "id" = $1 FOR UPDATE`, [requestId]);
  return {
    release: async () => {
      await client.query("COMMIT");
      await client.end();
    },
  };
}

describe("settling in the background", () => {
  it("lets the same user's next request wait for a landing settlement rather than refusing it", async () => {
    const principal = await userWithBalance(HOLD + HOLD / 2n);
    const first = await openRequest(principal, "test-model", "test", HOLD, {});
    const blocked = await blockSettlementOf(first.requestId);

    settleInBackground(principal.userId, first.requestId, { status: "SUCCEEDED", cost: HOLD / 100n });
    const second = openRequest(principal, "test-model", "test", HOLD, {});
    // The first request's hold is still there, so the second can only be waiting for it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await getBalance(principal.userId)).toMatchObject({ held: HOLD });
    await blocked.release();

    const { requestId } = await second;
    expect(await db.requestLog.findUniqueOrThrow({ where: { id: requestId } })).toMatchObject({ status: "PENDING", reserved: HOLD });
    expect(await db.requestLog.findUniqueOrThrow({ where: { id: first.requestId } })).toMatchObject({ status: "SUCCEEDED", cost: HOLD / 100n });
    expect(await getBalance(principal.userId)).toEqual({ balance: HOLD + HOLD / 2n - HOLD / 100n, held: HOLD, available: HOLD / 2n - HOLD / 100n });
    expect(await ledgerTotal(principal.userId)).toBe(HOLD + HOLD / 2n - HOLD / 100n);
  });

  it("still refuses a request that the balance cannot cover once every settlement has landed", async () => {
    const principal = await userWithBalance(HOLD + HOLD / 2n);
    const first = await openRequest(principal, "test-model", "test", HOLD, {});

    settleInBackground(principal.userId, first.requestId, { status: "SUCCEEDED", cost: HOLD });

    await expect(openRequest(principal, "test-model", "test", HOLD, {})).rejects.toMatchObject({ code: "insufficient_quota" });
    await backgroundSettlementsLanded();
    expect(await getBalance(principal.userId)).toEqual({ balance: HOLD / 2n, held: 0n, available: HOLD / 2n });
  });
});
