// Runs an audio tool (ffmpeg, pocketsphinx, festival) as a child process with a deadline and an
// abort signal. Either way the child is killed and its exit awaited before the promise settles,
// so a caller's `finally` that deletes the temp directory never races a process still writing.
import "server-only";
import { spawn } from "node:child_process";

import { DomainError } from "@/lib/errors";

/** How much of stderr is kept for error messages; pocketsphinx logs tens of kilobytes. */
const STDERR_TAIL_BYTES = 8_192;

export class ProcessFailedError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`${command} exited with ${exitCode ?? "a signal"}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`);
    this.name = "ProcessFailedError";
  }
}

export interface RunProcessOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Receives stdout as it arrives instead of it being collected (for output that can be large). */
  onStdout?: (chunk: Buffer) => void;
}

/** Resolves with the collected stdout (empty when `onStdout` is given) when the exit code is 0. */
export function runProcess(command: string, args: readonly string[], options: RunProcessOptions): Promise<Buffer> {
  const { signal, timeoutMs, onStdout } = options;
  if (signal?.aborted) return Promise.reject(abortReason(signal));

  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    let stderr = "";
    let failure: unknown;

    const stop = (reason: unknown) => {
      failure ??= reason;
      child.kill("SIGKILL");
    };
    const onAbort = () => stop(abortReason(signal!));
    signal?.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(() => stop(new DomainError("upstream_timeout", `${command} did not finish within ${Math.round(timeoutMs / 1000)} s.`)), timeoutMs);

    child.stdout.on("data", (chunk: Buffer) => (onStdout ? onStdout(chunk) : stdout.push(chunk)));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES);
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      failure ??= error.code === "ENOENT" ? new DomainError("not_configured", `${command} is not installed on this server.`) : error;
    });
    child.on("close", (exitCode) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (failure !== undefined) reject(failure);
      else if (exitCode !== 0) reject(new ProcessFailedError(command, exitCode, stderr));
      else resolve(Buffer.concat(stdout));
    });
  });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}
