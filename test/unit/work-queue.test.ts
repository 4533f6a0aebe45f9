import { describe, expect, it } from "vitest";
import { WorkQueue } from "@/lib/inference/providers/local/work-queue";

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe("the local engines' work queue", () => {
  it("runs at most `concurrency` jobs, lets `maxWaiting` wait in order, and refuses the rest with a 503 and Retry-After", async () => {
    const queue = new WorkQueue("test", 1, 2);
    const first = gate();
    const order: string[] = [];
    const running = queue.run(async () => {
      order.push("first");
      await first.promise;
    });
    const second = queue.run(async () => void order.push("second"));
    const third = queue.run(async () => void order.push("third"));

    await expect(queue.run(async () => order.push("fourth"))).rejects.toMatchObject({
      code: "upstream_unavailable",
      details: { retryAfterSeconds: 1 },
    });
    expect(order).toEqual(["first"]);

    first.open();
    await Promise.all([running, second, third]);
    expect(order).toEqual(["first", "second", "third"]);
    // Every turn was handed back: two jobs can wait again.
    await queue.run(async () => order.push("again"));
    expect(order.at(-1)).toBe("again");
  });

  it("gives up a waiting turn when its request is aborted, and hands the turn on after a failure", async () => {
    const queue = new WorkQueue("test", 1, 1);
    const first = gate();
    const running = queue.run(() => first.promise.then(() => Promise.reject(new Error("engine failed"))));
    const controller = new AbortController();
    const abandoned = queue.run(async () => "never", controller.signal);
    controller.abort();
    await expect(abandoned).rejects.toMatchObject({ name: "AbortError" });

    const next = queue.run(async () => "ran");
    first.open();
    await expect(running).rejects.toThrow("engine failed");
    await expect(next).resolves.toBe("ran");
  });
});
