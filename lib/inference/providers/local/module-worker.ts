// Runs an exported async function of one of our TypeScript modules in worker threads, so that
// CPU-heavy local work (the pattern generator's pixel loops) leaves the event loop to other
// requests. The worker loads the module with tsx (a dependency) from the working directory, as
// tiny-chat finds its weights there: a separate worker file would not survive Next.js bundling,
// and tsx resolves the module's "@/" imports from tsconfig.json. Workers start on first use, one
// per concurrent call up to `size`, and do not keep an idle process alive.
import path from "node:path";
import { Worker } from "node:worker_threads";
import { DomainError, type DomainErrorCode } from "@/lib/errors";

// Plain JavaScript evaluated in the worker; see above for why it is not a file of its own.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { createRequire } = require("node:module");
const path = require("node:path");
const fromFile = path.join(workerData.cwd, "package.json");
const tsx = createRequire(fromFile)("tsx/cjs/api");
const mod = tsx.require(path.join(workerData.cwd, workerData.modulePath), fromFile);
parentPort.on("message", async ({ callId, args }) => {
  try {
    const value = await mod[workerData.exportName](...args);
    parentPort.postMessage({ callId, value });
  } catch (e) {
    const error = { name: e && e.name, message: String((e && e.message) || e), code: e && e.code, details: e && e.details };
    parentPort.postMessage({ callId, error });
  }
});
`;

type Reply =
  | { callId: number; value: unknown }
  | { callId: number; error: { name?: string; message: string; code?: DomainErrorCode; details?: DomainError["details"] } };

interface Call {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

class ModuleWorker {
  readonly calls = new Map<number, Call>();
  private readonly worker: Worker;

  constructor(modulePath: string, exportName: string, onGone: () => void) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { cwd: process.cwd(), modulePath, exportName } });
    this.worker.unref();
    this.worker.on("message", (reply: Reply) => {
      const call = this.calls.get(reply.callId);
      if (!call) return;
      this.calls.delete(reply.callId);
      if (this.calls.size === 0) this.worker.unref();
      if ("error" in reply) {
        const { name, message, code, details } = reply.error;
        // Domain errors (a bad size, say) keep their meaning; anything else is the engine failing.
        call.reject(
          name === "DomainError" && code
            ? new DomainError(code, message, details ?? {})
            : new DomainError("upstream_error", `The local engine failed: ${message}`),
        );
      } else {
        call.resolve(reply.value);
      }
    });
    const fail = (error: Error) => {
      onGone();
      for (const call of this.calls.values()) call.reject(new DomainError("upstream_error", `The local engine's worker failed: ${error.message}`));
      this.calls.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`it exited with code ${code}`)));
  }

  call(callId: number, args: unknown[]): Promise<unknown> {
    if (this.calls.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.calls.set(callId, { resolve, reject });
      this.worker.postMessage({ callId, args });
    });
  }
}

export class ModuleWorkerPool<Args extends unknown[], Result> {
  private readonly workers: ModuleWorker[] = [];
  private nextCallId = 1;

  /** `modulePath` relative to the working directory; `exportName` an async function it exports. */
  constructor(
    private readonly modulePath: string,
    private readonly exportName: string,
    private readonly size: number,
  ) {}

  /** Runs the function in the least busy worker (a new one while there are fewer than `size`). */
  call(...args: Args): Promise<Result> {
    let worker = this.workers.find((w) => w.calls.size === 0);
    if (!worker && this.workers.length < this.size) {
      const created: ModuleWorker = new ModuleWorker(path.normalize(this.modulePath), this.exportName, () => {
        const index = this.workers.indexOf(created);
        if (index !== -1) this.workers.splice(index, 1);
      });
      this.workers.push(created);
      worker = created;
    }
    worker ??= this.workers.reduce((a, b) => (b.calls.size < a.calls.size ? b : a));
    return worker.call(this.nextCallId++, args) as Promise<Result>;
  }
}
