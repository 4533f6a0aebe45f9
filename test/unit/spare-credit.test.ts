// When a request's work may start before its hold is written: only for a payer seen lately with
// spare credit to cover it beside its other holds being written, never after a refusal, and never
// on a sighting that has gone stale.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { holdEnded, holdStarting } from "@/lib/inference/spare-credit";

/** Whether a hold of `amount` may start its work early; the hold is then refused (the sighting forgotten). */
function covers(payer: string, amount: bigint): boolean {
  const covered = holdStarting(payer, amount);
  holdEnded(payer, amount, null);
  return covered;
}

/** A hold that was written, leaving `spare`. */
function held(payer: string, spare: bigint): void {
  holdStarting(payer, 1n);
  holdEnded(payer, 1n, spare);
}

describe("spare credit", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("covers a hold no larger than the spare credit left by the payer's last hold", () => {
    expect(holdStarting("key-a", 1n)).toBe(false);
    holdEnded("key-a", 1n, 500n);
    expect(holdStarting("key-a", 500n)).toBe(true);
    holdEnded("key-a", 500n, 0n);
    expect(covers("key-a", 1n)).toBe(false);
    held("key-b", 500n);
    expect(holdStarting("key-b", 501n)).toBe(false);
    holdEnded("key-b", 501n, null);
  });

  it("counts the payer's holds still being written against it: a burst starts early only what the credit covers", () => {
    held("key-c", 1_000n);
    const burst = Array.from({ length: 5 }, () => holdStarting("key-c", 300n));
    expect(burst).toEqual([true, true, true, false, false]);
    for (let i = 0; i < 4; i++) holdEnded("key-c", 300n, null);
    // The last one in flight is taken into account until it ends.
    expect(covers("key-c", 1n)).toBe(false);
    holdEnded("key-c", 300n, 700n);
    expect(holdStarting("key-c", 700n)).toBe(true);
    expect(holdStarting("key-c", 1n)).toBe(false);
  });

  it("covers nothing after the payer's hold was refused, until a hold is written again", () => {
    held("key-d", 500n);
    holdStarting("key-d", 10n);
    holdEnded("key-d", 10n, null);
    expect(covers("key-d", 1n)).toBe(false);
    held("key-d", 10n);
    expect(covers("key-d", 10n)).toBe(true);
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
    held("newest", 500n);
    expect(covers("oldest", 1n)).toBe(false);
    expect(covers("payer-0", 1n)).toBe(false);
    expect(covers("payer-1", 1n)).toBe(true);
    expect(covers("refreshed", 1n)).toBe(true);
    expect(covers("newest", 1n)).toBe(true);
  });
});
