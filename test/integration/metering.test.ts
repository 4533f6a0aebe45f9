// The gateway's metering against the real database: delivery checkpoints land on the request row
// (a stream sends no more than its unrecorded bound past the last one committed), and the requests of a gateway process whose lease has run out are settled from their last
// checkpoint — once, whoever sweeps — while those of live processes are left alone. (The same,
// with real processes killed, is test/faults/settlement.test.ts.) A request whose work may not
// start before its hold can't take the credit of one whose work did.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { getBalance, ledgerTotal, type Tx } from "@/lib/credits/ledger";
import { accountWriteSlotUsage } from "@/lib/credits/account-write-slots";
import { renewInstanceLease, reserveCredit } from "@/lib/credits/reservations";
import { db } from "@/lib/db";
import { checkpointDelivery } from "@/lib/inference/checkpoints";
import { createChatCompletion, UNRECORDED_OUTPUT_TOKENS } from "@/lib/inference/generation";
import { INSTANCE_LOST, openRequest, settle, settleRequestsOfLostInstances } from "@/lib/inference/metering";
import { startUpstreamServer } from "../support/upstream-server";
import { deltaContent, eventually, expectSettledBooks, fundedUser, newApiKey, registerUpstreamModel, requestLog } from "../support/v1-fixtures";

const HOLD = 1_000_000n;
const LEASE_MS = 10_000;

async function reserveUnder(instanceId: string, userId: string) {
  return reserveCredit({ userId, apiKeyId: null, modelId: "test-model", endpoint: "test", source: "API", amount: HOLD, instanceId });
}

/** Makes a request (and its instance's last heartbeat) look `ageMs` old. */
async function age(requestId: string, instanceId: string, ageMs: number): Promise<void> {
  const then = new Date(Date.now() - ageMs);
  await db.requestLog.update({ where: { id: requestId }, data: { createdAt: then } });
  await db.gatewayInstance.updateMany({ where: { id: instanceId }, data: { heartbeatAt: then } });
}

/** Takes row locks with `lock` in another transaction, and holds them until the returned function is called (which resolves once they are released). */
async function lockedElsewhere(lock: (tx: Tx) => Promise<unknown>): Promise<() => Promise<void>> {
  let locked!: () => void;
  let unlock!: () => void;
  const lockTaken = new Promise<void>((resolve) => (locked = resolve));
  const holder = db.$transaction(
    async (tx) => {
      await lock(tx);
      locked();
      await new Promise<void>((resolve) => (unlock = resolve));
    },
    { timeout: 30_000 },
  );
  await lockTaken;
  return () => {
    unlock();
    return holder;
  };
}

describe("requests of a lost gateway instance", () => {
  it("are settled from their last checkpoint, once, and a live instance's are left alone", async () => {
    const user = await fundedUser(10n * HOLD, "metering");
    const lost = `gw_test_${randomUUID()}`;
    const live = `gw_test_${randomUUID()}`;
    await renewInstanceLease(lost);
    await renewInstanceLease(live);
    const streamed = await reserveUnder(lost, user.id);
    const silent = await reserveUnder(lost, user.id);
    const alive = await reserveUnder(live, user.id);
    expect(await checkpointDelivery({ requestId: streamed.requestId, inputTokens: 12, outputTokens: 7, cost: 4_321n })).toBe("committed");
    await age(streamed.requestId, lost, 2 * LEASE_MS);
    await age(silent.requestId, lost, 2 * LEASE_MS);
    await db.requestLog.update({ where: { id: alive.requestId }, data: { createdAt: new Date(Date.now() - 2 * LEASE_MS) } });

    // Two instances sweeping at once settle each request once.
    await Promise.all([settleRequestsOfLostInstances(LEASE_MS), settleRequestsOfLostInstances(LEASE_MS)]);

    expect(await db.requestLog.findUniqueOrThrow({ where: { id: streamed.requestId } })).toMatchObject({
      status: "CANCELLED",
      errorCode: INSTANCE_LOST,
      cost: 4_321n,
      inputTokens: 12,
      outputTokens: 7,
    });
    expect(await db.requestLog.findUniqueOrThrow({ where: { id: silent.requestId } })).toMatchObject({
      status: "CANCELLED",
      errorCode: INSTANCE_LOST,
      cost: 0n,
      outputTokens: 0,
    });
    expect(await db.requestLog.findUniqueOrThrow({ where: { id: alive.requestId } })).toMatchObject({ status: "PENDING" });
    expect(await db.ledgerEntry.count({ where: { reference: `request:${streamed.requestId}` } })).toBe(1);
    expect(await getBalance(user.id)).toEqual({ balance: 10n * HOLD - 4_321n, held: HOLD, available: 9n * HOLD - 4_321n });
    expect(await ledgerTotal(user.id)).toBe(10n * HOLD - 4_321n);

    // The stream that is still running somewhere learns it must stop, and its answer is refused;
    // a stream checkpointed in the same flush whose request is still pending goes on.
    expect(
      await Promise.all([
        checkpointDelivery({ requestId: streamed.requestId, inputTokens: 12, outputTokens: 8, cost: 5_000n }),
        checkpointDelivery({ requestId: alive.requestId, inputTokens: 3, outputTokens: 2, cost: 1_000n }),
      ]),
    ).toEqual(["settled", "committed"]);
    expect(await db.requestLog.findUniqueOrThrow({ where: { id: alive.requestId } })).toMatchObject({
      status: "PENDING",
      checkpointInputTokens: 3,
      checkpointOutputTokens: 2,
      checkpointCost: 1_000n,
    });
    await expect(settle(user.id, streamed.requestId, { status: "SUCCEEDED", cost: 9_999n })).rejects.toMatchObject({ code: "upstream_unavailable" });
    expect(await db.requestLog.findUniqueOrThrow({ where: { id: streamed.requestId } })).toMatchObject({ cost: 4_321n });
  });

  it("are not swept while younger than the lease, even before their instance's first heartbeat", async () => {
    const user = await fundedUser(10n * HOLD, "metering");
    const reservation = await reserveUnder(`gw_test_${randomUUID()}`, user.id);

    await settleRequestsOfLostInstances(LEASE_MS);

    expect(await db.requestLog.findUniqueOrThrow({ where: { id: reservation.requestId } })).toMatchObject({ status: "PENDING" });
    await settle(user.id, reservation.requestId, { status: "SUCCEEDED", cost: 100n });
    expect(await getBalance(user.id)).toEqual({ balance: 10n * HOLD - 100n, held: 0n, available: 10n * HOLD - 100n });
  });
});

describe("stream checkpoints", () => {
  it("answer a flush's many streams over several turns of the event loop, every one of them", async () => {
    // Five accounts of 30 requests: more than two slices of the streams answered per turn, and
    // within an account's default limit of requests in flight.
    const users = await Promise.all(Array.from({ length: 5 }, () => fundedUser(100n * HOLD, "metering")));
    const instance = `gw_test_${randomUUID()}`;
    await renewInstanceLease(instance);
    const held = await Promise.all(users.flatMap((user) => Array.from({ length: 30 }, () => reserveUnder(instance, user.id))));
    let turn = 0;
    let counting = true;
    const countTurns = () => {
      turn += 1;
      if (counting) setImmediate(countTurns);
    };
    setImmediate(countTurns);
    const turns: number[] = [];
    // Asked in one turn: one flush writes them all.
    const results = await Promise.all(
      held.map((reservation, i) =>
        checkpointDelivery({ requestId: reservation.requestId, inputTokens: 3, outputTokens: i + 1, cost: 10n }).then((result) => {
          turns.push(turn);
          return result;
        }),
      ),
    );
    counting = false;
    expect(results.every((result) => result === "committed")).toBe(true);
    expect(new Set(turns).size).toBeGreaterThan(1);
    const rows = await db.requestLog.findMany({ where: { id: { in: held.map((r) => r.requestId) } }, select: { checkpointOutputTokens: true } });
    expect(rows.map((row) => row.checkpointOutputTokens).sort((a, b) => a! - b!)).toEqual(held.map((_, i) => i + 1));
  });

  it("let a stream send up to its unrecorded bound while its checkpoints can't be written, and the rest once they can", async () => {
    const upstream = await startUpstreamServer();
    try {
      const model = await registerUpstreamModel(upstream, "CHAT");
      const user = await fundedUser("1.00", "metering");
      const total = UNRECORDED_OUTPUT_TOKENS * 3;
      const result = await createChatCompletion(
        { userId: user.id, apiKeyId: null, source: "API", keySpendLimited: false },
        { model: model.id, messages: [{ role: "user", content: "Hi" }], max_tokens: total, stream: true },
      );
      if (!result.stream) throw new Error("expected a stream");
      // Its row is held elsewhere before the stream sends anything: no checkpoint of it can commit.
      const unlock = await lockedElsewhere((tx) => tx.$queryRaw`SELECT 1 FROM "RequestLog" WHERE "id" = ${result.requestId} FOR UPDATE`);
      const events = result.events[Symbol.asyncIterator]();
      let sent = 0;
      while (sent < UNRECORDED_OUTPUT_TOKENS) {
        const step = await events.next();
        if (step.done) throw new Error("the stream ended early");
        if (deltaContent(step.value)) sent += 1;
      }
      const next = events.next();
      const waited = await Promise.race([next.then(() => "sent"), new Promise((resolve) => setTimeout(() => resolve("waiting"), 500))]);
      expect(waited).toBe("waiting");
      await unlock();

      for (let step = await next; !step.done; step = await events.next()) if (deltaContent(step.value)) sent += 1;
      expect(sent).toBe(total);
      expect(await requestLog(result.requestId)).toMatchObject({ status: "SUCCEEDED", outputTokens: total });
      await expectSettledBooks(user.id);
    } finally {
      await upstream.close();
    }
  });
});

describe("a request whose work waits for its hold", () => {
  it("is written after its account's requests whose work started early, so it can't take the credit they started on", async () => {
    const user = await fundedUser(2n * HOLD, "metering");
    const [keyA, keyB] = [await newApiKey(user.id), await newApiKey(user.id)];
    const began: string[] = [];
    const open = (name: string, apiKeyId: string) =>
      openRequest(
        { principal: { userId: user.id, apiKeyId, source: "API", keySpendLimited: false }, modelId: "test-model", endpoint: "test", hold: HOLD, options: {} },
        async () => {
          began.push(name);
        },
      );
    // A first hold, written on its own, shows this process that the account can pay one more,
    // whichever of its keys asks.
    const first = await open("first", keyA.id);
    // Another transaction holds the account's row: holds wait at the database.
    const unlock = await lockedElsewhere((tx) => tx.$queryRaw`SELECT 1 FROM "CreditAccount" WHERE "userId" = ${user.id} FOR UPDATE`);

    const early = open("early", keyB.id);
    const late = open("late", keyA.id);
    await eventually(async () => {
      const [row] = await db.$queryRaw<{ waiting: bigint }[]>`
        SELECT count(*) AS "waiting" FROM pg_stat_activity
        WHERE "datname" = current_database() AND "wait_event_type" = 'Lock' AND "query" LIKE '%ecolink_reserve%'`;
      expect(row?.waiting).toBe(1n);
    });
    // The early request's work began; the late one's hold is not even sent, so it can't commit first.
    expect(began).toEqual(["first", "early"]);
    expect(accountWriteSlotUsage()).toEqual({ running: 1, waiting: 0 });
    await unlock();

    const opened = await early;
    await expect(late).rejects.toMatchObject({ code: "insufficient_quota" });
    expect(began).toEqual(["first", "early"]);
    for (const { call } of [first, opened]) await settle(user.id, call.requestId, { status: "SUCCEEDED", cost: HOLD });
    expect(await getBalance(user.id)).toMatchObject({ balance: 0n, held: 0n });
  });
});
