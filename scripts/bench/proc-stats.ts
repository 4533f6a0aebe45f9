// CPU time and memory from the kernel's accounting (proc(5)), for the local-model benchmarks to say
// what limits them, and for the open-streams benchmark to say what a relayed token and an open
// stream cost the gateway: a thread's own CPU time, another process's, the CPU time of child
// processes that have exited, a process's resident set; and for the gateway benchmark, what a
// request costs PostgreSQL (its server process and backends).
import { execFileSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";

const CLOCK_TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());

/** The fields of a stat file from field 3 (the state) on: field n of proc(5) is at index n - 3. */
async function statFields(path: string): Promise<string[]> {
  const text = await readFile(path, "utf8");
  return text.slice(text.lastIndexOf(") ") + 2).split(" ");
}

/** Clock ticks (user + system) of a stat file's thread or process itself (utime, stime). */
const ownTicks = (fields: string[]) => Number(fields[14 - 3]) + Number(fields[15 - 3]);

/** Clock ticks (user + system) of a stat file's process's children that have exited and been waited for (cutime, cstime). */
const exitedChildrenTicks = (fields: string[]) => Number(fields[16 - 3]) + Number(fields[17 - 3]);

/** CPU seconds (user + system) of the thread or process whose stat file this is. */
async function cpuSecondsOf(statPath: string): Promise<number> {
  return ownTicks(await statFields(statPath)) / CLOCK_TICKS_PER_SECOND;
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
  return exitedChildrenTicks(await statFields("/proc/self/stat")) / CLOCK_TICKS_PER_SECOND;
}

/** The id of a process's parent. */
export async function parentPid(pid: number): Promise<number> {
  return Number((await statFields(`/proc/${pid}/stat`))[4 - 3]);
}

/**
 * CPU seconds (user + system) of a process and of its children, running or exited and waited for:
 * a PostgreSQL server's postmaster with its backends.
 */
export async function processTreeCpuSeconds(pid: number): Promise<number> {
  const own = await statFields(`/proc/${pid}/stat`);
  let ticks = ownTicks(own) + exitedChildrenTicks(own);
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = await statFields(`/proc/${entry}/stat`).catch(() => null);
    // null: the process ended between the listing and the read.
    if (fields && Number(fields[4 - 3]) === pid) ticks += ownTicks(fields);
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** A process's resident set in bytes (VmRSS of /proc/<pid>/status). */
export async function residentBytes(pid: number): Promise<number> {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`/proc/${pid}/status has no VmRSS`);
  return Number(match[1]) * 1024;
}
