// The settlements of this process's answers already sent, by account. A plain answer, or a stream's
// end, goes out while its settlement is being written (metering.ts's settleWhileAnswering), so for
// a moment its hold still takes credit the account will have again: a hold refused for credit (or
// the key's spend limit, or the account's requests in flight) that was asked for while the account
// had settlements here in flight waits for them and asks once more, so that a client asking again
// the moment it has its answer may spend what is left. Whether any were in flight is noted when the
// hold is asked for, not when it is refused: the settlement it raced may have committed just too
// late for it, and ended since.

const inFlight = new Map<string, Set<Promise<unknown>>>();

/** Keeps `settlement`, the settlement of an answer of the account already sent, until it ends. */
export function answerSettling(account: string, settlement: Promise<unknown>): void {
  const settling = inFlight.get(account) ?? new Set();
  inFlight.set(account, settling);
  settling.add(settlement);
  const done = () => {
    settling.delete(settlement);
    if (settling.size === 0 && inFlight.get(account) === settling) inFlight.delete(account);
  };
  settlement.then(done, done);
}

/** Whether the account has settlements of answers in flight here. */
export function answersSettling(account: string): boolean {
  return inFlight.has(account);
}

/** Resolves once the account's settlements in flight now have ended (at once when it has none). */
export async function answeredSettlements(account: string): Promise<void> {
  const settling = inFlight.get(account);
  if (settling) await Promise.allSettled([...settling]);
}
