// Reserve and settle writes of one account go to the database at most WRITES_PER_ACCOUNT statements
// at a time from this process, and the writes that wait meanwhile go together, as one statement
// per kind. They lock the same rows (the account's balance, its keys' holds and spend), so
// PostgreSQL runs them one after another whatever we send: sent all at once, the rest wait on those
// row locks, and each hand-over wakes and re-checks the waiters (with fifty requests of one account
// in flight, a statement cost PostgreSQL three to six times the CPU it costs alone). Gathered, the
// writes that would have waited share one round trip, one transaction and one commit, and each is
// still judged alone, in order (the batch functions in prisma/migrations). A write that finds a
// slot free is sent at once, alone: batches only form when writes would have queued anyway.

/**
 * Statements of one account sent to the database at once; the writes that come meanwhile wait here,
 * in order. Two keep the next batch ready at the database when the previous one commits, without
 * this process's event loop between them; more only wait on the account's row locks there.
 */
export const WRITES_PER_ACCOUNT = 2;

/** The most writes one statement carries. */
export const WRITES_PER_BATCH = 64;

/**
 * Writes of one kind to one account's rows, as one statement: `items` in the order they came, and
 * their results in the same order, one for each.
 */
export type BatchWrite<Item, Result> = (accountId: string, items: Item[]) => Promise<Result[]>;

interface Waiting {
  // biome-ignore lint/suspicious/noExplicitAny: a queue holds writes of every kind; each is resolved with its own kind's result.
  write: BatchWrite<any, any>;
  item: unknown;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

interface Slots {
  running: number;
  waiting: Waiting[];
}

const key = Symbol.for("ecolink.accountWriteSlots");
const globalForSlots = globalThis as unknown as { [key]?: Map<string, Slots> };

function accounts(): Map<string, Slots> {
  globalForSlots[key] ??= new Map();
  return globalForSlots[key];
}

/** Writes `item` with `write`, alone if one of the account's slots is free, else with the others of its kind waiting when one frees. */
export function writeForAccount<Item, Result>(accountId: string, write: BatchWrite<Item, Result>, item: Item): Promise<Result> {
  const all = accounts();
  const slots = all.get(accountId) ?? { running: 0, waiting: [] };
  all.set(accountId, slots);
  return new Promise<Result>((resolve, reject) => {
    slots.waiting.push({ write, item, resolve: resolve as (result: unknown) => void, reject });
    if (slots.running < WRITES_PER_ACCOUNT) runNextBatch(accountId, slots);
  });
}

/** Sends the first write in line, with every later one of its kind (up to WRITES_PER_BATCH), in a slot. */
function runNextBatch(accountId: string, slots: Slots): void {
  const first = slots.waiting.shift();
  if (!first) return;
  const batch = [first];
  for (let i = 0; i < slots.waiting.length && batch.length < WRITES_PER_BATCH; ) {
    if (slots.waiting[i]!.write === first.write) batch.push(...slots.waiting.splice(i, 1));
    else i += 1;
  }
  slots.running += 1;
  void writeBatch(accountId, batch).finally(() => {
    // The slot passes to the next in line, or is freed.
    slots.running -= 1;
    if (slots.waiting.length > 0) runNextBatch(accountId, slots);
    else if (slots.running === 0) accounts().delete(accountId);
  });
}

/** Runs one statement for `batch` and answers each write with its result, or all with its error. */
async function writeBatch(accountId: string, batch: Waiting[]): Promise<void> {
  try {
    const results = await batch[0]!.write(
      accountId,
      batch.map((waiting) => waiting.item),
    );
    for (const [i, waiting] of batch.entries()) waiting.resolve(results[i]);
  } catch (error) {
    for (const waiting of batch) waiting.reject(error);
  }
}

/** Statements running and writes waiting for a slot, over all accounts (for /metrics). */
export function accountWriteSlotUsage(): { running: number; waiting: number } {
  let running = 0;
  let waiting = 0;
  for (const slots of accounts().values()) {
    running += slots.running;
    waiting += slots.waiting.length;
  }
  return { running, waiting };
}
