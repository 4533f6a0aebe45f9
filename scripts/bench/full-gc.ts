// A full garbage collection in another Node process, asked through its inspector, for the
// open-streams benchmark: a resident set read right after it is what the process keeps, without
// the garbage that the collector's timing adds to any other read. SIGUSR1 opens the inspector on
// its default address, HeapProfiler.collectGarbage collects, and process._debugEnd() closes it
// again, so that the next process watched can open it on the same port.
import WebSocket from "ws";

const INSPECTOR = "127.0.0.1:9229";
const OPEN_WITHIN_MS = 10_000;

async function debuggerUrl(): Promise<string> {
  const deadline = Date.now() + OPEN_WITHIN_MS;
  for (;;) {
    try {
      const [target] = (await (await fetch(`http://${INSPECTOR}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
      if (target) return target.webSocketDebuggerUrl;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`No inspector opened on ${INSPECTOR}: ${String(error)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function inspectorClosed(): Promise<void> {
  const deadline = Date.now() + OPEN_WITHIN_MS;
  while (Date.now() < deadline) {
    try {
      await fetch(`http://${INSPECTOR}/json/list`);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`The inspector on ${INSPECTOR} did not close`);
}

/** Collects all of process `pid`'s garbage, and returns once it has. */
export async function collectGarbage(pid: number): Promise<void> {
  process.kill(pid, "SIGUSR1");
  const socket = new WebSocket(await debuggerUrl());
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  const answers = new Map<number, (result: unknown) => void>();
  socket.on("message", (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) answers.get(message.id)?.(message.result);
  });
  let lastId = 0;
  const call = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve) => {
      lastId += 1;
      answers.set(lastId, resolve);
      socket.send(JSON.stringify({ id: lastId, method, params }));
    });
  const seen = (await call("Runtime.evaluate", { expression: "process.pid", returnByValue: true })) as { result: { value: number } };
  if (seen.result.value !== pid) {
    socket.close();
    throw new Error(`The inspector on ${INSPECTOR} is process ${seen.result.value}'s, not ${pid}'s`);
  }
  await call("HeapProfiler.collectGarbage");
  // Answered by the inspector closing, not by a message; a Node without this internal leaves it open,
  // which must end the read with an error rather than hang the benchmark.
  socket.send(JSON.stringify({ id: lastId + 1, method: "Runtime.evaluate", params: { expression: "process._debugEnd()" } }));
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  const late = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`process ${pid} did not close its inspector`)), OPEN_WITHIN_MS).unref());
  await Promise.race([closed, late]);
  await inspectorClosed();
}
