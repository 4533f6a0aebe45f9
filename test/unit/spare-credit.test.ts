// When a request's work may start before its hold is written: only for an account seen lately with
// spare credit to cover it beside its other holds being written, never after a refusal, never on a
// sighting that has gone stale, never on a spare that answers arriving out of order made stale, and
// never for an API key with a spend limit of its own. A hold that may not start early is written
// after the account's early holds.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { holdEnded, holdStarting } from "@/lib/inference/spare-credit";

/** Whether a hold of `amount` may start its work early; the hold is then refused. */
function covers(account: string, amount: bigint): boolean {
  const hold = holdStarting(account, amount, false);
  holdEnded(account, amount, null, hold);
  return hold.early;
}

/** A hold written on its own, leaving `spare`. */
function held(account: string, spare: bigint): void {
  holdEnded(account, 1n, spare, holdStarting(account, 1n, false));
}

describe("spare credit", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("covers a hold no larger than the spare credit left by the account's last hold", () => {
    const first = holdStarting("account-a", 1n, false);
    expect(first.early).toBe(false);
    holdEnded("account-a", 1n, 500n, first);
    const second = holdStarting("account-a", 500n, false);
    expect(second.early).toBe(true);
    holdEnded("account-a", 500n, 0n, second);
    expect(covers("account-a", 1n)).toBe(false);
    held("account-b", 500n);
    expect(covers("account-b", 501n)).toBe(false);
  });

  it("counts the account's holds still being written against it: a burst starts early only what the credit covers", () => {
    held("account-c", 1_000n);
    const burst = Array.from({ length: 5 }, () => holdStarting("account-c", 300n, false));
    expect(burst.map((hold) => hold.early)).toEqual([true, true, true, false, false]);
    holdEnded("account-c", 300n, 700n, burst[0]!);
    holdEnded("account-c", 300n, 400n, burst[1]!);
    holdEnded("account-c", 300n, 100n, burst[2]!);
    // The two still in flight are taken into account until they end.
    expect(covers("account-c", 1n)).toBe(false);
  });

  it("keeps the lower spare when the answers of holds written together come in another order than their commits", () => {
    held("account-g", 1_000n);
    const [a, b] = [holdStarting("account-g", 300n, false), holdStarting("account-g", 300n, false)];
    // b committed last (400 left) but its answer is read first; a's (700 left) comes after.
    holdEnded("account-g", 300n, 400n, b);
    holdEnded("account-g", 300n, 700n, a);
    expect(covers("account-g", 401n)).toBe(false);
    held("account-g", 400n);
    expect(covers("account-g", 400n)).toBe(true);
  });

  it("covers nothing after the account's hold was refused, until a hold is written on its own again", () => {
    held("account-d", 500n);
    expect(covers("account-d", 1n)).toBe(true);
    const [late, refused] = [holdStarting("account-d", 10n, false), holdStarting("account-d", 10n, false)];
    holdEnded("account-d", 10n, null, refused);
    // Written together with the refused one: its spare may predate the refusal.
    holdEnded("account-d", 10n, 480n, late);
    expect(covers("account-d", 1n)).toBe(false);
    held("account-d", 10n);
    expect(covers("account-d", 10n)).toBe(true);
  });

  it("writes a hold that may not start early once the account's early holds begun before it are answered", async () => {
    held("account-h", 600n);
    const early = [holdStarting("account-h", 300n, false), holdStarting("account-h", 300n, false)];
    expect(early.map((hold) => hold.early)).toEqual([true, true]);
    expect(early.map((hold) => hold.behind)).toEqual([null, null]);
    const late = holdStarting("account-h", 300n, false);
    expect(late.early).toBe(false);
    let written = false;
    void late.behind!.then(() => (written = true));
    holdEnded("account-h", 300n, 300n, early[1]!);
    await Promise.resolve();
    expect(written).toBe(false);
    holdEnded("account-h", 300n, 0n, early[0]!);
    await Promise.resolve();
    expect(written).toBe(true);
    holdEnded("account-h", 300n, null, late);
    // Nothing early being written: nothing to wait for.
    expect(holdStarting("account-h", 300n, false).behind).toBeNull();
    expect(holdStarting("account-i", 1n, false).behind).toBeNull();
  });

  it("lets a waiting hold go once the early holds begun before it are answered, not those begun after", async () => {
    held("account-k", 600n);
    const [first, second] = [holdStarting("account-k", 300n, false), holdStarting("account-k", 300n, false)];
    const late = holdStarting("account-k", 300n, false);
    expect([first.early, second.early, late.early]).toEqual([true, true, false]);
    let written = false;
    void late.behind!.then(() => (written = true));
    // A top-up landed meanwhile: the first hold's answer shows room for another early start.
    holdEnded("account-k", 300n, 10_000n, first);
    const after = holdStarting("account-k", 300n, false);
    expect(after.early).toBe(true);
    holdEnded("account-k", 300n, 9_700n, second);
    await Promise.resolve();
    expect(written).toBe(true);
    holdEnded("account-k", 300n, 9_400n, after);
    holdEnded("account-k", 300n, 9_100n, late);
  });

  it("covers nothing for an API key with a spend limit of its own, and a refusal of a key says nothing of its account", () => {
    held("account-j", 1_000n);
    const limited = holdStarting("account-j", 1n, true);
    expect(limited.early).toBe(false);
    // Over its spend limit, or revoked: the account's credit was not even looked at.
    holdEnded("account-j", 1n, "key refused", limited);
    expect(covers("account-j", 1_000n)).toBe(true);
  });

  it("covers nothing once the sighting is ten seconds old", () => {
    held("account-e", 500n);
    held("account-f", 500n);
    vi.advanceTimersByTime(9_999);
    expect(covers("account-e", 1n)).toBe(true);
    vi.advanceTimersByTime(1);
    expect(covers("account-f", 1n)).toBe(false);
  });

  it("forgets the oldest sighting beyond ten thousand accounts", () => {
    held("oldest", 500n);
    held("refreshed", 500n);
    for (let i = 0; i < 9_998; i++) held(`account-${i}`, 500n);
    held("refreshed", 500n);
    held("newer", 500n);
    // "oldest" and then "account-0" made room.
    expect(covers("oldest", 1n)).toBe(false);
    expect(covers("account-1", 1n)).toBe(true);
    expect(covers("refreshed", 1n)).toBe(true);
    expect(covers("newer", 1n)).toBe(true);
  });
});
