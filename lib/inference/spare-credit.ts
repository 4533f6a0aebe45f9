// What this process knows of each payer's spare credit — its account's credit neither spent nor
// held — from the payer's last hold, less the holds of its requests still being written. A payer is
// an API key (whose spend limit or revocation may refuse what its account could pay) or, in the
// playground, the account. metering.ts starts a request's provider call while its hold is being
// written only when that spare credit covers it: a payer that was refused, not seen lately, or
// whose requests in flight here may already take what is left, waits for its hold first, so that
// nobody without credit keeps the inference servers busy. It is a hint for when to start work,
// never a decision about money: holding credit is the reserve statement's alone
// (lib/credits/reservations.ts).
//
// A hold that starts early was counted on the credit left after the payer's holds begun before it,
// not after those begun later. An account's statements go to the database two at a time, and the
// later may commit first, so a hold that may not start early is written only once the payer's early
// holds begun before it are answered: it can't take the credit they started work on.

/** A sighting older than this is not trusted: the account may have spent its credit elsewhere since. */
const SPARE_CREDIT_FRESH_MS = 10_000;
/** Payers remembered at most; the oldest sighting makes room. */
const MAX_PAYERS = 10_000;

/** The payer's credit left after a hold (null: refused), when it was seen, and its place in the order holds ended. */
interface Sighting {
  spare: bigint | null;
  at: number;
  ended: number;
}

const sightings = new Map<string, Sighting>();
/** The holds of each payer being written in this process, summed. */
const writing = new Map<string, bigint>();
/** Holds ended in this process so far: orders them. */
let holdsEnded = 0;

/** A hold that started its work early, until it is answered; `waiters` run then. */
interface EarlyHold {
  waiters?: (() => void)[];
}

/** Each payer's holds that started early and are being written. */
const earlyHolds = new Map<string, Set<EarlyHold>>();

/** A hold being written: whether its work may start now, and how many holds had ended when it began. */
export interface HoldStart {
  early: boolean;
  after: number;
  /** Not early: resolves once the payer's early holds being written when it began are answered (null: none). */
  behind: Promise<void> | null;
  /** Early: its place among the payer's early holds. */
  own?: EarlyHold;
}

/**
 * A hold of `amount` for the payer is about to be written: whether the spare credit seen lately,
 * less the payer's other holds being written here, covers it.
 */
export function holdStarting(payer: string, amount: bigint): HoldStart {
  const sighting = sightings.get(payer);
  const others = writing.get(payer) ?? 0n;
  writing.set(payer, others + amount);
  const early =
    sighting !== undefined && sighting.spare !== null && performance.now() - sighting.at < SPARE_CREDIT_FRESH_MS && sighting.spare - others >= amount;
  const started = earlyHolds.get(payer);
  if (!early) return { early, after: holdsEnded, behind: started ? answered(started) : null };
  const own: EarlyHold = {};
  if (started) started.add(own);
  else earlyHolds.set(payer, new Set([own]));
  return { early, after: holdsEnded, behind: null, own };
}

/** Resolves once every hold in `holds` now is answered. */
function answered(holds: Set<EarlyHold>): Promise<void> {
  let left = holds.size;
  return new Promise((resolve) => {
    for (const hold of holds) {
      hold.waiters ??= [];
      hold.waiters.push(() => {
        left -= 1;
        if (left === 0) resolve();
      });
    }
  });
}

/**
 * The payer's hold of `amount` (`start`) is written, leaving `spare` credit in its account; or it
 * was refused or could not be written (null), and the payer's next request waits for its hold.
 */
export function holdEnded(payer: string, amount: bigint, spare: bigint | null, start: HoldStart): void {
  const others = (writing.get(payer) ?? 0n) - amount;
  if (others > 0n) writing.set(payer, others);
  else writing.delete(payer);
  if (start.own) {
    const started = earlyHolds.get(payer);
    started?.delete(start.own);
    if (started?.size === 0) earlyHolds.delete(payer);
    for (const wake of start.own.waiters ?? []) wake();
  }
  const previous = sightings.get(payer);
  // Another hold of the payer ended while this one was being written: their answers may have come
  // in another order than their commits, so this one's spare may be the older. The lower of the
  // two is kept, and a refusal stands until a hold is written on its own.
  const overlapped = previous !== undefined && previous.ended > start.after;
  let seen = spare;
  if (overlapped && seen !== null) seen = previous.spare === null || previous.spare < seen ? previous.spare : seen;
  holdsEnded += 1;
  // Re-inserted, so that the Map's order stays oldest first.
  sightings.delete(payer);
  sightings.set(payer, { spare: seen, at: performance.now(), ended: holdsEnded });
  if (sightings.size > MAX_PAYERS) sightings.delete(sightings.keys().next().value!);
}
