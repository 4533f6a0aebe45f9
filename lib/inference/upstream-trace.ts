// What a metered request did upstream — how many endpoints it tried and which one answered — for
// its request log row, its metrics and its log line. The provider records it against the
// request's abort signal, the one thing every provider call is handed (metering.ts opens the
// trace with the signal it gives the provider); a call with no trace (a test's direct call) just
// records nothing.

export interface UpstreamTrace {
  /** Requests sent to upstream endpoints, failed ones included. */
  attempts: number;
  /** The name of the endpoint whose answer the request used; null while none answered. */
  endpoint: string | null;
}

const traces = new WeakMap<AbortSignal, UpstreamTrace>();

export function startUpstreamTrace(signal: AbortSignal): UpstreamTrace {
  const trace: UpstreamTrace = { attempts: 0, endpoint: null };
  traces.set(signal, trace);
  return trace;
}

export function upstreamTraceOf(signal: AbortSignal): UpstreamTrace | undefined {
  return traces.get(signal);
}
