// Delivery checkpoints of streams: a stream's tokens are sent to its client only once a checkpoint
// covering them is committed on its request row, so that if the process dies before the request
// settles, it is billed from that checkpoint (lib/inference/gateway-instance.ts) — never less
// than was delivered. Checkpoints of every stream of the process are written together: one UPDATE
// per flush, started as soon as a stream waits and no flush is running, so a flush carries every
// stream that got a token meanwhile rather than one write per stream per token. While the
// database is unreachable the flush retries and the streams wait.
//
// A stream's first checkpoint holds back its first token, the wait a person sees, so first
// checkpoints have a flush of their own: with hundreds of streams open, a flush of all their
// progress takes milliseconds, and a new stream that waited for the one running, then went in the
// next, waited for two; and their answers go before the later ones on the turn budget
// (lib/http/turn-budget.ts). The two flushes never hold a row the other wants: a stream has one
// checkpoint in flight at a time, and each flush locks its rows in id order.
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

/** Which flush a checkpoint goes in: a stream's first (before its first token is sent), or a later one. */
export type CheckpointLane = "first" | "later";

const key = Symbol.for("ecolink.checkpointers");
const globalForCheckpoints = globalThis as unknown as { [key]?: Record<CheckpointLane, Checkpointer> };

function checkpointer(lane: CheckpointLane): Checkpointer {
  globalForCheckpoints[key] ??= { first: { waiting: new Map(), flushing: false }, later: { waiting: new Map(), flushing: false } };
  return globalForCheckpoints[key][lane];
}

/**
 * Resolves once a checkpoint of at least this usage is committed on the request's row. Usage only
 * grows, so a newer call for the same request supersedes an older one not yet written.
 */
export function checkpointDelivery(checkpoint: DeliveryCheckpoint, lane: CheckpointLane = "later"): Promise<CheckpointResult> {
  const state = checkpointer(lane);
  return new Promise((resolve, reject) => {
    const entry = state.waiting.get(checkpoint.requestId) ?? { checkpoint, waiters: [] };
    entry.checkpoint = checkpoint;
    entry.waiters.push({ resolve, reject });
    state.waiting.set(checkpoint.requestId, entry);
    if (!state.flushing) {
      state.flushing = true;
      // Streams whose tokens arrived in the same turn of the event loop join this flush.
      setImmediate(() => void flush(lane));
    }
  });
}

async function flush(lane: CheckpointLane): Promise<void> {
  const state = checkpointer(lane);
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
    void answerWithinTurns(batch, settled, lane);
  } catch (error) {
    for (const entry of batch.values()) for (const waiter of entry.waiters) waiter.reject(error);
  } finally {
    if (state.waiting.size > 0) setImmediate(() => void flush(lane));
    else state.flushing = false;
  }
}

/**
 * A flush answers up to every open stream, which then send their tokens: a turn's budget of them
 * at a time (lib/http/turn-budget.ts), while the next flush goes on.
 */
async function answerWithinTurns(batch: Map<string, Waiting>, settled: Set<string>, lane: CheckpointLane): Promise<void> {
  for (const [requestId, entry] of batch) {
    const slot = turnSlot(lane === "first");
    if (slot) await slot;
    for (const waiter of entry.waiters) waiter.resolve(settled.has(requestId) ? "settled" : "committed");
  }
}
