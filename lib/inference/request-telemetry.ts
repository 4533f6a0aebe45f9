// What the operator sees of each metered request: from the moment its credit is held (in flight,
// credit held) to its settlement, where it is counted once in /metrics (lib/metrics.ts) and, with
// LOG_FORMAT=json, written as one structured log line. Also where the request's upstream trace
// (lib/inference/upstream-trace.ts: attempts, answering endpoint) joins its outcome, so that the
// request log records them. Nothing here names the user, the key or the prompt.
import "server-only";
import pino from "pino";
import type { RequestOutcome, Settlement } from "@/lib/credits/reservations";
import { env } from "@/lib/env";
import type { UpstreamTrace } from "@/lib/inference/upstream-trace";
import { metrics, routeLabel } from "@/lib/metrics";

interface OpenRequest {
  modelId: string;
  route: string;
  held: bigint;
  trace: UpstreamTrace;
}

const NANOS_PER_DOLLAR = 1e9;
const open = new Map<string, OpenRequest>();
// Summed exactly, so that the gauge reads 0 when nothing is held rather than a float's residue.
let heldTotal = 0n;

function setCreditHeld(change: bigint): void {
  heldTotal += change;
  metrics().creditHeld.set(Number(heldTotal) / NANOS_PER_DOLLAR);
}

let logger: pino.Logger | null | undefined;

/** The JSON request log when LOG_FORMAT=json, else null. */
function requestLogger(): pino.Logger | null {
  if (logger === undefined) logger = env().LOG_FORMAT === "json" ? pino({ base: undefined, messageKey: "msg" }) : null;
  return logger;
}

/** Credit is held for a request whose provider call records what it does upstream in `trace`. */
export function requestOpened(requestId: string, modelId: string, endpoint: string, held: bigint, trace: UpstreamTrace): void {
  open.set(requestId, { modelId, route: routeLabel(endpoint), held, trace });
  metrics().inFlight.inc();
  setCreditHeld(held);
}

/** The outcome with what the request did upstream, as its settlement records it. */
export function withUpstreamTrace(requestId: string, outcome: RequestOutcome): RequestOutcome {
  const request = open.get(requestId);
  if (!request) return outcome;
  return { ...outcome, upstreamAttempts: request.trace.attempts, upstreamEndpoint: request.trace.endpoint };
}

/** The request's settlement is over: counted and logged if it landed (null: it was settled elsewhere). */
export function requestSettled(requestId: string, outcome: RequestOutcome, settlement: Settlement | null): void {
  const request = open.get(requestId);
  if (!request) return;
  open.delete(requestId);
  const m = metrics();
  m.inFlight.dec();
  setCreditHeld(-request.held);
  if (!settlement) return;
  const labels = { model: request.modelId, route: request.route };
  const upstream = request.trace.endpoint ?? "none";
  const status = String(outcome.httpStatus ?? 0);
  m.requests.inc({ ...labels, upstream, status });
  if (outcome.latencyMs != null) m.latency.observe(labels, outcome.latencyMs / 1000);
  if (outcome.ttftMs != null && (outcome.outputTokens ?? 0) > 0) m.ttft.observe(labels, outcome.ttftMs / 1000);
  if (outcome.inputTokens) m.tokens.inc({ model: request.modelId, direction: "input" }, outcome.inputTokens);
  if (outcome.outputTokens) m.tokens.inc({ model: request.modelId, direction: "output" }, outcome.outputTokens);
  requestLogger()?.info(
    {
      requestId,
      model: request.modelId,
      route: request.route,
      upstream: request.trace.endpoint,
      attempts: request.trace.attempts,
      status: outcome.status,
      httpStatus: outcome.httpStatus ?? null,
      errorCode: outcome.errorCode ?? null,
      latencyMs: outcome.latencyMs ?? null,
      ttftMs: outcome.ttftMs ?? null,
      inputTokens: outcome.inputTokens ?? 0,
      outputTokens: outcome.outputTokens ?? 0,
      cost: settlement.cost.toString(),
    },
    "request",
  );
}

/**
 * A request refused before credit was held (bad input, no credit, unknown model…). Its model
 * label is empty: what such a request names may be any string.
 */
export function requestRefused(requestId: string, endpoint: string, httpStatus: number, errorCode: string, latencyMs: number): void {
  const route = routeLabel(endpoint);
  metrics().requests.inc({ model: "", route, upstream: "none", status: String(httpStatus) });
  metrics().latency.observe({ model: "", route }, latencyMs / 1000);
  requestLogger()?.info({ requestId, model: null, route, upstream: null, attempts: 0, status: "REFUSED", httpStatus, errorCode, latencyMs }, "request");
}
