// Delivery checkpoints of streams: what a stream has sent is recorded on its request row as it
// goes, so that if the process dies before the request settles, it is billed from its last
// checkpoint (lib/inference/gateway-instance.ts). A stream sends at most a few tokens past the one
// last committed (generation.ts's UNRECORDED_OUTPUT_TOKENS), so a crash cuts no more than those
// from its bill. Checkpoints commit durably: one acknowledged is one a database crash keeps.
//
// Checkpoints of every stream of the process are written together: one UPDATE per flush, started
// as soon as a stream waits and no flush is running, so a flush carries every stream that sent a
// token meanwhile rather than one write per stream per token. While the database is unreachable
// the flush retries, and streams that reach their bound wait.
import { checkpointRequests, type DeliveryCheckpoint } from "@/lib/credits/reservations";
import { turnSlot } from "@/lib/http/turn-budget";
import { untilWritten } from "@/lib/inference/until-written";

/** committed: the usage (or more) is on the row; settled: the row is no longer PENDING — stop. */
export type CheckpointResult = "committed" | "settled";

interface Waiting {
  checkpoint: DeliveryCheckpoint;
  waiters: { resolve: (result: CheckpointResult) => void; reject: (error: unknown) => void }[];
}

interface Checkpointer {
  waiting: Map<string, Waiting>;
  flushing: boolean;
}

const key = Symbol.for("ecolink.checkpointer");
const globalForCheckpoints = globalThis as unknown as { [key]?: Checkpointer };

function checkpointer(): Checkpointer {
  globalForCheckpoints[key] ??= { waiting: new Map(), flushing: false };
  return globalForCheckpoints[key];
}

/**
 * Resolves once a checkpoint of at least this usage is committed on the request's row. Usage only
 * grows, so a newer call for the same request supersedes an older one not yet written.
 */
export function checkpointDelivery(checkpoint: DeliveryCheckpoint): Promise<CheckpointResult> {
  const state = checkpointer();
  return new Promise((resolve, reject) => {
    const entry = state.waiting.get(checkpoint.requestId) ?? { checkpoint, waiters: [] };
    entry.checkpoint = checkpoint;
    entry.waiters.push({ resolve, reject });
    state.waiting.set(checkpoint.requestId, entry);
    if (!state.flushing) {
      state.flushing = true;
      // Streams whose tokens arrived in the same turn of the event loop join this flush.
      setImmediate(() => void flush());
    }
  });
}

async function flush(): Promise<void> {
  const state = checkpointer();
  const batch = new Map<string, Waiting>();
  // Each attempt takes in what arrived while the previous one failed: after an outage, one write.
  const takeWaiting = () => {
    for (const [requestId, entry] of state.waiting) {
      const earlier = batch.get(requestId);
      batch.set(requestId, earlier ? { checkpoint: entry.checkpoint, waiters: [...earlier.waiters, ...entry.waiters] } : entry);
    }
    state.waiting.clear();
    return [...batch.values()].map((entry) => entry.checkpoint);
  };
  try {
    const settled = await untilWritten("Stream checkpoints", () => checkpointRequests(takeWaiting()));
    void answerWithinTurns(batch, settled);
  } catch (error) {
    for (const entry of batch.values()) for (const waiter of entry.waiters) waiter.reject(error);
  } finally {
    if (state.waiting.size > 0) setImmediate(() => void flush());
    else state.flushing = false;
  }
}

/**
 * A flush answers up to every open stream, which then send their tokens: a turn's budget of them
 * at a time (lib/http/turn-budget.ts), while the next flush goes on.
 */
async function answerWithinTurns(batch: Map<string, Waiting>, settled: Set<string>): Promise<void> {
  for (const [requestId, entry] of batch) {
    const slot = turnSlot();
    if (slot) await slot;
    for (const waiter of entry.waiters) waiter.resolve(settled.has(requestId) ? "settled" : "committed");
  }
}
