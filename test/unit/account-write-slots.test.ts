import { describe, expect, it } from "vitest";
import { accountWriteSlotUsage, WRITES_PER_ACCOUNT, withAccountWriteSlot } from "@/lib/credits/account-write-slots";

/** A write that runs until its test ends it. */
function heldWrite<T>(value: T) {
  let started = false;
  let finish!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return {
    get started() {
      return started;
    },
    finish,
    fail,
    run: async () => {
      started = true;
      await done;
      return value;
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("an account's write slots", () => {
  it("runs a few writes of one account at once and the others in the order they came, as slots free", async () => {
    const writes = Array.from({ length: WRITES_PER_ACCOUNT + 3 }, (_, i) => heldWrite(i));
    const results = writes.map((write) => withAccountWriteSlot("account-a", write.run));
    await settle();
    expect(writes.map((write) => write.started)).toEqual(writes.map((_, i) => i < WRITES_PER_ACCOUNT));
    expect(accountWriteSlotUsage()).toEqual({ running: WRITES_PER_ACCOUNT, waiting: 3 });

    // The second one ends: exactly the first in line starts.
    writes[1]!.finish();
    await settle();
    expect(writes.map((write) => write.started)).toEqual(writes.map((_, i) => i <= WRITES_PER_ACCOUNT));

    // A failing write hands its slot on too, and its caller gets its error.
    writes[0]!.fail(new Error("the database went away"));
    await expect(results[0]).rejects.toThrow("the database went away");
    await settle();
    expect(writes[WRITES_PER_ACCOUNT + 1]!.started).toBe(true);

    for (const write of writes) write.finish();
    expect(await Promise.all(results.slice(1))).toEqual(writes.slice(1).map((_, i) => i + 1));
    // Nothing is kept for an account with nothing running.
    expect(accountWriteSlotUsage()).toEqual({ running: 0, waiting: 0 });
  });

  it("never makes one account wait for another's writes", async () => {
    const busy = Array.from({ length: WRITES_PER_ACCOUNT + 1 }, (_, i) => heldWrite(i));
    const busyResults = busy.map((write) => withAccountWriteSlot("account-busy", write.run));
    const other = heldWrite("other");
    const otherResult = withAccountWriteSlot("account-other", other.run);
    await settle();
    expect(other.started).toBe(true);
    expect(busy.at(-1)!.started).toBe(false);
    other.finish();
    expect(await otherResult).toBe("other");

    for (const write of busy) write.finish();
    await Promise.all(busyResults);
    expect(accountWriteSlotUsage()).toEqual({ running: 0, waiting: 0 });
  });
});
