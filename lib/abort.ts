// One controller following another signal: the gateway aborts work for reasons of its own (a
// deadline, a stream stopped early) as well as when the caller goes away.

/** Aborts `controller` when `signal` does (at once if it already has); returns what stops following. */
export function followAbort(signal: AbortSignal | undefined, controller: AbortController): () => void {
  if (!signal) return () => undefined;
  if (signal.aborted) {
    controller.abort();
    return () => undefined;
  }
  const onAbort = () => controller.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  return () => signal.removeEventListener("abort", onAbort);
}
