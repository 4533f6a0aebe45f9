// A budget of work per turn of the event loop, for work that arrives for many streams at once: an
// inference server's decode step emits a token for every stream of its batch together, and a
// checkpoint flush answers every stream that waited on it. Done in one turn, a thousand of them
// hold the loop for tens of milliseconds — and node's libuv accepts one new connection per turn,
// so a burst of new clients would wait seconds to be let in (`npm run bench`, open streams).
// Past the budget, work waits for a later turn, in the order it asked — except a stream's first
// token, the wait a person sees: it goes before every later token waiting, so that a stream opened
// while a thousand flow does not queue behind their backlog.

/** Units of work (a stream's chunk, a stream's answer) done per turn before the rest wait. */
const PER_TURN = 64;

let usedThisTurn = 0;
let turnEndScheduled = false;
const firsts: (() => void)[] = [];
const waiting: (() => void)[] = [];

function endTurn(): void {
  const slice = firsts.splice(0, PER_TURN);
  slice.push(...waiting.splice(0, PER_TURN - slice.length));
  usedThisTurn = slice.length;
  for (const go of slice) go();
  if (firsts.length > 0 || waiting.length > 0) setImmediate(endTurn);
  else {
    usedThisTurn = 0;
    turnEndScheduled = false;
  }
}

/**
 * Takes a unit of this turn's budget: null while the turn has room (go on at once, no promise
 * made), else a promise that resolves in a later turn. `first`: the work is a stream's first token.
 */
export function turnSlot(first = false): Promise<void> | null {
  if (!turnEndScheduled) {
    turnEndScheduled = true;
    setImmediate(endTurn);
  }
  const queue = first ? firsts : waiting;
  if (usedThisTurn < PER_TURN && queue.length === 0 && firsts.length === 0) {
    usedThisTurn += 1;
    return null;
  }
  return new Promise((resolve) => queue.push(resolve));
}
