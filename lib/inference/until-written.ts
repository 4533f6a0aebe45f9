// Settlements and checkpoints are the record of what a user was given; while the database is
// unreachable (restarting, failing over, a network blip) they are retried with backoff until they
// land, and the answer they cover waits. Only errors that can pass are retried: a statement the
// database refuses for what it is (a constraint, a bug) would be refused forever.
import { isTransientDatabaseError } from "@/lib/database-errors";

const FIRST_DELAY_MS = 50;
const MAX_DELAY_MS = 2_000;

/**
 * Runs `write` until it succeeds, waiting between attempts (growing to a couple of seconds, with
 * jitter so that a recovering database isn't met by every process at once) for as long as its
 * errors are transient. `write` must be safe to repeat: the first attempt may have committed
 * before its answer was lost.
 */
export async function untilWritten<T>(what: string, write: () => Promise<T>): Promise<T> {
  let delay = FIRST_DELAY_MS;
  let failures = 0;
  for (;;) {
    try {
      const written = await write();
      if (failures > 0) console.error(`${what}: written after ${failures} failed attempt${failures === 1 ? "" : "s"}.`);
      return written;
    } catch (error) {
      if (!isTransientDatabaseError(error)) throw error;
      failures += 1;
      // One line when the trouble starts, then one every few attempts, not one per attempt.
      if (failures === 1 || failures % 10 === 0) console.error(`${what}: the database is unreachable (${(error as Error).message}); retrying.`);
      await new Promise((resolve) => setTimeout(resolve, delay / 2 + Math.random() * (delay / 2)));
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
}
