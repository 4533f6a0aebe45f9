// CPU time from the kernel's accounting (proc(5)), for the local-model benchmarks to say what
// limits them, and for the open-streams benchmark to say what a relayed token costs the gateway: a
// thread's own CPU time, another process's, and the CPU time of child processes that have exited.
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";

const CLOCK_TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());

/** The fields of a stat file from field 3 (the state) on: field n of proc(5) is at index n - 3. */
async function statFields(path: string): Promise<string[]> {
  const text = await readFile(path, "utf8");
  return text.slice(text.lastIndexOf(") ") + 2).split(" ");
}

/** CPU seconds (user + system: utime and stime) of the thread or process whose stat file this is. */
async function cpuSecondsOf(statPath: string): Promise<number> {
  const fields = await statFields(statPath);
  return (Number(fields[14 - 3]) + Number(fields[15 - 3])) / CLOCK_TICKS_PER_SECOND;
}

/** CPU seconds (user + system) of one thread of this process; its main thread's id is process.pid. */
export function threadCpuSeconds(threadId: number): Promise<number> {
  return cpuSecondsOf(`/proc/self/task/${threadId}/stat`);
}

/** CPU seconds (user + system) of another process, all its threads together. */
export function processCpuSeconds(pid: number): Promise<number> {
  return cpuSecondsOf(`/proc/${pid}/stat`);
}

/** CPU seconds (user + system) of this process's children that have exited and been waited for. */
export async function childrenCpuSeconds(): Promise<number> {
  const fields = await statFields("/proc/self/stat");
  return (Number(fields[16 - 3]) + Number(fields[17 - 3])) / CLOCK_TICKS_PER_SECOND;
}
