// What this process knows of each account's spare credit — credit neither spent nor held — from the
// last hold any of its API keys (or its playground) took here, less the account's holds still
// being written. metering.ts starts a request's provider call while its hold is being written only
// when that spare credit covers it: an account that was refused, not seen lately, or whose requests
// in flight here may already take what is left, waits for its hold first, so that nobody without
// credit keeps the inference servers busy. So does an API key with a spend limit of its own: the
// spare seen is the account's, not what the key may still spend. It is a hint for when to start
// work, never a decision about money: holding credit is the reserve statement's alone
// (lib/credits/reservations.ts).
//
// A hold that starts early was counted on the credit left after the account's holds begun before
// it, not after those begun later. An account's statements go to the database two at a time, and
// the later may commit first, so a hold that may not start early is written only once the
// account's early holds begun before it are answered: it can't take the credit they started work on.

/** A sighting older than this is not trusted: the account may have spent its credit elsewhere since. */
const SPARE_CREDIT_FRESH_MS = 10_000;
/** Accounts remembered at most; the oldest sighting makes room. */
const MAX_ACCOUNTS = 10_000;

/** The account's credit left after a hold (null: refused), when it was seen, and its place in the order holds ended. */
interface Sighting {
  spare: bigint | null;
  at: number;
  ended: number;
}

const sightings = new Map<string, Sighting>();
/** The holds of each account being written in this process, summed. */
const writing = new Map<string, bigint>();
/** Holds ended in this process so far: orders them. */
let holdsEnded = 0;

/** Holds started in this process so far: numbers them. */
let holdsStarted = 0;
/** Each account's holds that started early and are being written, by number: the Set's order is theirs. */
const earlyHolds = new Map<string, Set<number>>();

/** A hold that waits for the account's early holds begun before it. */
interface Waiter {
  number: number;
  resolve: () => void;
}
/** Waiters gone from the front of an account's queue before it is compacted. */
const WAITERS_KEPT_GONE = 1_024;
/** Each account's waiting holds, in the order they began (from `next` on). */
const waiters = new Map<string, { queue: Waiter[]; next: number }>();

/** A hold being written: whether its work may start now, and how many holds had ended when it began. */
export interface HoldStart {
  early: boolean;
  after: number;
  /** Not early: resolves once the account's early holds begun before it are answered (null: none). */
  behind: Promise<void> | null;
  /** Its place among the holds started here. */
  number: number;
}

/**
 * A hold of `amount` on the account is about to be written, for an API key with a spend limit of
 * its own or not (`keyLimited`): whether the spare credit seen lately, less the account's other
 * holds being written here, covers it.
 */
export function holdStarting(account: string, amount: bigint, keyLimited: boolean): HoldStart {
  const sighting = sightings.get(account);
  const others = writing.get(account) ?? 0n;
  writing.set(account, others + amount);
  const early =
    !keyLimited &&
    sighting !== undefined &&
    sighting.spare !== null &&
    performance.now() - sighting.at < SPARE_CREDIT_FRESH_MS &&
    sighting.spare - others >= amount;
  holdsStarted += 1;
  const number = holdsStarted;
  const started = earlyHolds.get(account);
  if (early) {
    if (started) started.add(number);
    else earlyHolds.set(account, new Set([number]));
    return { early, after: holdsEnded, behind: null, number };
  }
  if (!started) return { early, after: holdsEnded, behind: null, number };
  const line = waiters.get(account) ?? { queue: [], next: 0 };
  waiters.set(account, line);
  const behind = new Promise<void>((resolve) => line.queue.push({ number, resolve }));
  return { early, after: holdsEnded, behind, number };
}

/** An early hold of the account was answered: the holds that waited for it and no earlier one go on. */
function earlyHoldAnswered(account: string, number: number): void {
  const started = earlyHolds.get(account);
  if (!started?.delete(number)) return;
  const first = started.values().next();
  if (first.done) earlyHolds.delete(account);
  const line = waiters.get(account);
  if (!line) return;
  while (line.next < line.queue.length && (first.done || line.queue[line.next]!.number < first.value)) {
    line.queue[line.next]!.resolve();
    line.next += 1;
  }
  if (line.next === line.queue.length) waiters.delete(account);
  else if (line.next >= WAITERS_KEPT_GONE) {
    line.queue.splice(0, line.next);
    line.next = 0;
  }
}

/**
 * What a hold's statement told of its account: the spare credit the hold left; null, the account
 * could not pay it, or the hold could not be written, and its next request waits for its hold; or
 * nothing, for a hold refused for its API key's own reasons (revoked, expired, over its spend limit).
 */
export type AccountAnswer = bigint | null | "key refused";

/** The account's hold of `amount` (`start`) is answered. */
export function holdEnded(account: string, amount: bigint, answer: AccountAnswer, start: HoldStart): void {
  const others = (writing.get(account) ?? 0n) - amount;
  if (others > 0n) writing.set(account, others);
  else writing.delete(account);
  if (start.early) earlyHoldAnswered(account, start.number);
  if (answer === "key refused") return;
  const previous = sightings.get(account);
  // Another hold of the account ended while this one was being written: their answers may have
  // come in another order than their commits, so this one's spare may be the older. The lower of
  // the two is kept, and a refusal stands until a hold is written on its own.
  const overlapped = previous !== undefined && previous.ended > start.after;
  let seen = answer;
  if (overlapped && seen !== null) seen = previous.spare === null || previous.spare < seen ? previous.spare : seen;
  holdsEnded += 1;
  // Re-inserted, so that the Map's order stays oldest first.
  sightings.delete(account);
  sightings.set(account, { spare: seen, at: performance.now(), ended: holdsEnded });
  if (sightings.size > MAX_ACCOUNTS) sightings.delete(sightings.keys().next().value!);
}
