// A per-instance bound on the local engines' CPU-heavy work (pattern pixels, ffmpeg, pocketsphinx,
// tiny-chat generations): at most `concurrency` jobs run at once and at most `maxWaiting` wait for
// a turn. Beyond that a request is refused at once with a 503 and Retry-After (OpenAI's answer for
// an overloaded engine), rather than piling up work the machine cannot do in time.
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import { InferenceAbortedError } from "@/lib/inference/providers/types";

interface Waiter {
  start: () => void;
  abandon: () => void;
}

export class WorkQueue {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly engine: string,
    private readonly concurrency: number,
    private readonly maxWaiting: number,
  ) {}

  /** Waits for a turn; the returned function ends it (call it exactly once). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw new InferenceAbortedError();
    if (this.running < this.concurrency) {
      this.running += 1;
      return this.releaser();
    }
    if (this.waiting.length >= this.maxWaiting) {
      throw new DomainError("upstream_unavailable", `The ${this.engine} engine is busy with other requests on this server. Please try again in a moment.`, {
        retryAfterSeconds: 1,
      });
    }
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          signal?.removeEventListener("abort", waiter.abandon);
          resolve();
        },
        abandon: () => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(new InferenceAbortedError());
        },
      };
      signal?.addEventListener("abort", waiter.abandon, { once: true });
      this.waiting.push(waiter);
    });
    return this.releaser();
  }

  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await work();
    } finally {
      release();
    }
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The turn passes straight to the next waiter, so `running` stays at the bound.
      const next = this.waiting.shift();
      if (next) next.start();
      else this.running -= 1;
    };
  }
}

const queues = new Map<string, WorkQueue>();

/**
 * This instance's queue for one local engine: LOCAL_WORK_CONCURRENCY jobs at once (about one per
 * core) unless the engine says otherwise, and LOCAL_WORK_QUEUE_LENGTH waiting.
 */
export function localWorkQueue(engine: string, concurrency = env().LOCAL_WORK_CONCURRENCY): WorkQueue {
  let queue = queues.get(engine);
  if (!queue) {
    queue = new WorkQueue(engine, concurrency, env().LOCAL_WORK_QUEUE_LENGTH);
    queues.set(engine, queue);
  }
  return queue;
}
