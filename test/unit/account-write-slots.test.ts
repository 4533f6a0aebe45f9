import { describe, expect, it } from "vitest";
import { accountWriteSlotUsage, type BatchWrite, WRITES_PER_ACCOUNT, WRITES_PER_BATCH, writeForAccount } from "@/lib/credits/account-write-slots";

/** A kind of write whose statements run until the test ends them; it records each statement's items. */
function heldKind(name: string) {
  const statements: { accountId: string; items: number[]; finish: () => void; fail: (error: Error) => void }[] = [];
  const write: BatchWrite<number, string> = (accountId, items) =>
    new Promise((resolve, reject) => {
      statements.push({ accountId, items, finish: () => resolve(items.map((item) => `${name} ${item}`)), fail: reject });
    });
  return { write, statements };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("an account's writes", () => {
  it("go alone while a slot is free, and those that wait go together, the first in line with every later one of its kind", async () => {
    const reserve = heldKind("reserve");
    const settleKind = heldKind("settle");
    const alone = Array.from({ length: WRITES_PER_ACCOUNT }, (_, i) => writeForAccount("account-a", reserve.write, i));
    await settle();
    expect(reserve.statements.map((s) => s.items)).toEqual(alone.map((_, i) => [i]));

    // Every slot is taken: these wait, in the order they came.
    const waiting = [
      writeForAccount("account-a", settleKind.write, 10),
      writeForAccount("account-a", reserve.write, 11),
      writeForAccount("account-a", settleKind.write, 12),
      writeForAccount("account-a", reserve.write, 13),
    ];
    await settle();
    expect(settleKind.statements).toHaveLength(0);
    expect(accountWriteSlotUsage()).toEqual({ running: WRITES_PER_ACCOUNT, waiting: 4 });

    // A slot frees: the first in line (a settle) goes with the other settle, the reserves still wait.
    reserve.statements[0]!.finish();
    await settle();
    expect(settleKind.statements.map((s) => s.items)).toEqual([[10, 12]]);
    expect(reserve.statements).toHaveLength(WRITES_PER_ACCOUNT);
    // The next slot to free takes the reserves, together.
    settleKind.statements[0]!.finish();
    await settle();
    expect(reserve.statements.at(-1)!.items).toEqual([11, 13]);

    // Each write gets its own result from its statement.
    reserve.statements.at(-1)!.finish();
    expect(await Promise.all(waiting)).toEqual(["settle 10", "reserve 11", "settle 12", "reserve 13"]);
    for (const statement of reserve.statements) statement.finish();
    expect(await Promise.all(alone)).toEqual(alone.map((_, i) => `reserve ${i}`));
    // Nothing is kept for an account with nothing running.
    expect(accountWriteSlotUsage()).toEqual({ running: 0, waiting: 0 });
  });

  it("fails every write of a statement that fails, and hands its slot on", async () => {
    const reserve = heldKind("reserve");
    const busy = Array.from({ length: WRITES_PER_ACCOUNT }, (_, i) => writeForAccount("account-f", reserve.write, i));
    const together = [writeForAccount("account-f", reserve.write, 20), writeForAccount("account-f", reserve.write, 21)];
    const other = heldKind("other");
    const after = writeForAccount("account-f", other.write, 22);
    await settle();
    reserve.statements[0]!.finish();
    await settle();
    const statement = reserve.statements.at(-1)!;
    expect(statement.items).toEqual([20, 21]);
    statement.fail(new Error("the database went away"));
    for (const write of together) await expect(write).rejects.toThrow("the database went away");
    await settle();
    // The failed statement's slot went to the next in line.
    expect(accountWriteSlotUsage()).toEqual({ running: WRITES_PER_ACCOUNT, waiting: 0 });
    expect(other.statements.map((s) => s.items)).toEqual([[22]]);
    for (const s of [...reserve.statements, ...other.statements]) s.finish();
    await Promise.all([...busy.slice(1), after]);
    expect(accountWriteSlotUsage()).toEqual({ running: 0, waiting: 0 });
  });

  it("carries at most WRITES_PER_BATCH writes in one statement", async () => {
    const reserve = heldKind("reserve");
    const busy = Array.from({ length: WRITES_PER_ACCOUNT }, (_, i) => writeForAccount("account-c", reserve.write, i));
    const many = Array.from({ length: WRITES_PER_BATCH + 5 }, (_, i) => writeForAccount("account-c", reserve.write, 100 + i));
    await settle();
    reserve.statements[0]!.finish();
    await settle();
    reserve.statements.at(-1)!.finish();
    await settle();
    expect(reserve.statements.slice(WRITES_PER_ACCOUNT).map((s) => s.items.length)).toEqual([WRITES_PER_BATCH, 5]);
    for (const s of reserve.statements) s.finish();
    await Promise.all([...busy, ...many]);
    expect(accountWriteSlotUsage()).toEqual({ running: 0, waiting: 0 });
  });

  it("never makes one account wait for another's writes", async () => {
    const reserve = heldKind("reserve");
    const busy = Array.from({ length: WRITES_PER_ACCOUNT + 1 }, (_, i) => writeForAccount("account-busy", reserve.write, i));
    const other = writeForAccount("account-other", reserve.write, 99);
    await settle();
    expect(reserve.statements.map((s) => s.accountId)).toEqual([...Array(WRITES_PER_ACCOUNT).fill("account-busy"), "account-other"]);
    reserve.statements.at(-1)!.finish();
    expect(await other).toBe("reserve 99");
    for (const s of reserve.statements) s.finish();
    await settle();
    for (const s of reserve.statements) s.finish();
    await Promise.all(busy);
    expect(accountWriteSlotUsage()).toEqual({ running: 0, waiting: 0 });
  });
});
