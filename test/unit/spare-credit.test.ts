// When a request's work may start before its hold is written: only for a payer seen lately with
// spare credit to cover it beside its other holds being written, never after a refusal, never on a
// sighting that has gone stale, and never on a spare that answers arriving out of order made stale.
// A hold that may not start early is written after the payer's early holds.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { holdEnded, holdStarting } from "@/lib/inference/spare-credit";

/** Whether a hold of `amount` may start its work early; the hold is then refused. */
function covers(payer: string, amount: bigint): boolean {
  const hold = holdStarting(payer, amount);
  holdEnded(payer, amount, null, hold);
  return hold.early;
}

/** A hold written on its own, leaving `spare`. */
function held(payer: string, spare: bigint): void {
  holdEnded(payer, 1n, spare, holdStarting(payer, 1n));
}

describe("spare credit", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("covers a hold no larger than the spare credit left by the payer's last hold", () => {
    const first = holdStarting("key-a", 1n);
    expect(first.early).toBe(false);
    holdEnded("key-a", 1n, 500n, first);
    const second = holdStarting("key-a", 500n);
    expect(second.early).toBe(true);
    holdEnded("key-a", 500n, 0n, second);
    expect(covers("key-a", 1n)).toBe(false);
    held("key-b", 500n);
    expect(covers("key-b", 501n)).toBe(false);
  });

  it("counts the payer's holds still being written against it: a burst starts early only what the credit covers", () => {
    held("key-c", 1_000n);
    const burst = Array.from({ length: 5 }, () => holdStarting("key-c", 300n));
    expect(burst.map((hold) => hold.early)).toEqual([true, true, true, false, false]);
    holdEnded("key-c", 300n, 700n, burst[0]!);
    holdEnded("key-c", 300n, 400n, burst[1]!);
    holdEnded("key-c", 300n, 100n, burst[2]!);
    // The two still in flight are taken into account until they end.
    expect(covers("key-c", 1n)).toBe(false);
  });

  it("keeps the lower spare when the answers of holds written together come in another order than their commits", () => {
    held("key-g", 1_000n);
    const [a, b] = [holdStarting("key-g", 300n), holdStarting("key-g", 300n)];
    // b committed last (400 left) but its answer is read first; a's (700 left) comes after.
    holdEnded("key-g", 300n, 400n, b);
    holdEnded("key-g", 300n, 700n, a);
    expect(covers("key-g", 401n)).toBe(false);
    held("key-g", 400n);
    expect(covers("key-g", 400n)).toBe(true);
  });

  it("covers nothing after the payer's hold was refused, until a hold is written on its own again", () => {
    held("key-d", 500n);
    expect(covers("key-d", 1n)).toBe(true);
    const [late, refused] = [holdStarting("key-d", 10n), holdStarting("key-d", 10n)];
    holdEnded("key-d", 10n, null, refused);
    // Written together with the refused one: its spare may predate the refusal.
    holdEnded("key-d", 10n, 480n, late);
    expect(covers("key-d", 1n)).toBe(false);
    held("key-d", 10n);
    expect(covers("key-d", 10n)).toBe(true);
  });

  it("writes a hold that may not start early once the payer's early holds begun before it are answered", async () => {
    held("key-h", 600n);
    const early = [holdStarting("key-h", 300n), holdStarting("key-h", 300n)];
    expect(early.map((hold) => hold.early)).toEqual([true, true]);
    expect(early.map((hold) => hold.behind)).toEqual([null, null]);
    const late = holdStarting("key-h", 300n);
    expect(late.early).toBe(false);
    let written = false;
    void late.behind!.then(() => (written = true));
    holdEnded("key-h", 300n, 300n, early[1]!);
    await Promise.resolve();
    expect(written).toBe(false);
    holdEnded("key-h", 300n, 0n, early[0]!);
    await Promise.resolve();
    expect(written).toBe(true);
    holdEnded("key-h", 300n, null, late);
    // Nothing early being written: nothing to wait for.
    expect(holdStarting("key-h", 300n).behind).toBeNull();
    expect(holdStarting("key-i", 1n).behind).toBeNull();
  });

  it("covers nothing once the sighting is ten seconds old", () => {
    held("key-e", 500n);
    held("key-f", 500n);
    vi.advanceTimersByTime(9_999);
    expect(covers("key-e", 1n)).toBe(true);
    vi.advanceTimersByTime(1);
    expect(covers("key-f", 1n)).toBe(false);
  });

  it("forgets the oldest sighting beyond ten thousand payers", () => {
    held("oldest", 500n);
    held("refreshed", 500n);
    for (let i = 0; i < 9_998; i++) held(`payer-${i}`, 500n);
    held("refreshed", 500n);
    held("newer", 500n);
    // "oldest" and then "payer-0" made room.
    expect(covers("oldest", 1n)).toBe(false);
    expect(covers("payer-1", 1n)).toBe(true);
    expect(covers("refreshed", 1n)).toBe(true);
    expect(covers("newer", 1n)).toBe(true);
  });
});
