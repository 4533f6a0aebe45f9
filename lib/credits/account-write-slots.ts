// Reserve and settle statements of one account, at most WRITES_PER_ACCOUNT at a time from this
// process. They lock the same rows (the account's balance, its key's holds and spend), so PostgreSQL
// runs them one after another whatever we send; sent all at once, the rest wait on those row locks,
// and each hand-over wakes and re-checks the waiters: with fifty requests of one account in flight, a
// statement cost PostgreSQL three to six times the CPU it costs alone (`npm run bench`, plain ×50
// flat out). Waiting here instead costs nothing, and a few in flight keep the next one ready at the
// database when the previous commits, without this process's event loop between them.

/** Statements of one account sent to the database at once; the others wait here, in order. */
export const WRITES_PER_ACCOUNT = 4;

interface Slots {
  running: number;
  waiting: (() => void)[];
}

const key = Symbol.for("ecolink.accountWriteSlots");
const globalForSlots = globalThis as unknown as { [key]?: Map<string, Slots> };

function accounts(): Map<string, Slots> {
  globalForSlots[key] ??= new Map();
  return globalForSlots[key];
}

/** Runs `write` (one statement on the account's rows) once one of the account's slots is free. */
export async function withAccountWriteSlot<T>(accountId: string, write: () => Promise<T>): Promise<T> {
  const all = accounts();
  let slots = all.get(accountId);
  if (!slots) {
    slots = { running: 0, waiting: [] };
    all.set(accountId, slots);
  }
  if (slots.running < WRITES_PER_ACCOUNT) slots.running += 1;
  else await new Promise<void>((resolve) => slots.waiting.push(resolve));
  try {
    return await write();
  } finally {
    // The slot passes to the next in line, or is freed.
    const next = slots.waiting.shift();
    if (next) next();
    else if (--slots.running === 0) all.delete(accountId);
  }
}

/** Statements running and waiting for a slot, over all accounts (for /metrics). */
export function accountWriteSlotUsage(): { running: number; waiting: number } {
  let running = 0;
  let waiting = 0;
  for (const slots of accounts().values()) {
    running += slots.running;
    waiting += slots.waiting.length;
  }
  return { running, waiting };
}
