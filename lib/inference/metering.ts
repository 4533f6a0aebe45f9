// The gateway's side of the money: what every endpoint records when a request ends. Credit is
// held with reserveCredit before a provider is called and settled here exactly once; a request
// whose charge leaves the balance under the owner's auto-recharge threshold triggers a recharge,
// which never delays or fails it.
import { followAbort } from "@/lib/abort";
import { maybeAutoRecharge } from "@/lib/billing/auto-recharge";
import {
  newRequestId,
  releaseAbandonedReservations,
  reserveCredit,
  settleRequest,
  type RequestOutcome,
  type Settlement,
} from "@/lib/credits/reservations";
import { isDomainError } from "@/lib/errors";
import { toOpenAIError } from "@/lib/inference/openai-errors";

/** Who a request is billed to and where it came from; the playground passes apiKeyId null. */
export interface InferencePrincipal {
  userId: string;
  apiKeyId: string | null;
  source: "API" | "PLAYGROUND";
}

export interface InferenceOptions {
  /** Aborting it (the client hung up) cancels the provider call; only what was delivered is billed. */
  signal?: AbortSignal;
  /** Our id for the request (x-request-id); one is made when omitted. */
  requestId?: string;
}

/** nginx's "client closed request": what the log says about a request whose caller left. */
export const CLIENT_CLOSED_REQUEST = 499;

// A request whose process died never settles and would hold its credit forever. Each process
// looks for such requests at most once a minute and releases them at no cost; "abandoned" means
// far older than any request runs (settling twice is impossible, so a sweep racing a live
// settlement or another process's sweep is harmless).
const ABANDONED_AFTER_MS = 6 * 60 * 60 * 1000;
const SWEEP_EVERY_MS = 60_000;
let lastSweepAt = 0;

function sweepAbandonedReservations(): void {
  if (Date.now() - lastSweepAt < SWEEP_EVERY_MS) return;
  lastSweepAt = Date.now();
  releaseAbandonedReservations(ABANDONED_AFTER_MS).catch((error: unknown) => {
    console.error("Could not release abandoned reservations:", error);
  });
}

/**
 * Starts a metered request: holds the most it can cost (throws insufficient_quota /
 * key_limit_reached, 402) and returns its id with a controller that aborts the provider call.
 */
export async function openRequest(
  principal: InferencePrincipal,
  modelId: string,
  endpoint: string,
  amount: bigint,
  options: InferenceOptions,
): Promise<{ requestId: string; controller: AbortController }> {
  const requestId = options.requestId ?? newRequestId();
  sweepAbandonedReservations();
  const reservation = { userId: principal.userId, apiKeyId: principal.apiKeyId, modelId, endpoint, source: principal.source, amount, requestId };
  try {
    await reserveCredit(reservation);
  } catch (error) {
    // The holds of this user's requests that have answered but not yet settled may be all that
    // stands in the way: a client asking again the moment it has its answer must not be refused.
    const pending = settlementsInFlight.get(principal.userId);
    if (!pending || !isDomainError(error) || (error.code !== "insufficient_quota" && error.code !== "key_limit_reached")) throw error;
    await Promise.all(pending);
    await reserveCredit(reservation);
  }
  return { requestId, controller: linkedController(options.signal) };
}

export async function settle(userId: string, requestId: string, outcome: RequestOutcome): Promise<Settlement | null> {
  const settlement = await settleRequest(requestId, outcome);
  if (settlement && settlement.cost > 0n && settlement.autoRechargeDue) {
    maybeAutoRecharge(userId, settlement.balanceAfter).catch((error: unknown) => {
      console.error(`Auto-recharge check failed for user ${userId} after request ${requestId}:`, error);
    });
  }
  return settlement;
}

// Settlements started by settleInBackground and not yet landed, by user.
const settlementsInFlight = new Map<string, Set<Promise<void>>>();

/**
 * Settles without keeping the caller waiting: the API's chat completions answer first and settle a
 * moment later, which takes a database round trip off every request's latency. The hold already
 * bounds what the request can cost, so nothing can overspend meanwhile; until the settlement
 * lands the request still counts as in flight (its hold shows on /v1/me for that moment), and a
 * request of the same user that its hold would refuse waits for it (openRequest).
 */
export function settleInBackground(userId: string, requestId: string, outcome: RequestOutcome): void {
  const pending = settlementsInFlight.get(userId) ?? new Set<Promise<void>>();
  settlementsInFlight.set(userId, pending);
  const settling: Promise<void> = settle(userId, requestId, outcome)
    .then(
      () => undefined,
      // The hold stays until the abandoned-reservation sweep releases it at no cost.
      (error: unknown) => console.error(`Could not settle request ${requestId}:`, error),
    )
    .finally(() => {
      pending.delete(settling);
      if (pending.size === 0 && settlementsInFlight.get(userId) === pending) settlementsInFlight.delete(userId);
    });
  pending.add(settling);
}

/** Resolves once every settlement started in the background so far has landed: for a clean shutdown. */
export async function backgroundSettlementsLanded(): Promise<void> {
  await Promise.all([...settlementsInFlight.values()].flatMap((pending) => [...pending]));
}

/** The log fields of a request that failed: it costs nothing. */
export function failedOutcome(error: unknown, latencyMs: number): RequestOutcome {
  const known = isDomainError(error);
  return {
    status: "FAILED",
    cost: 0n,
    latencyMs,
    httpStatus: known ? toOpenAIError(error).status : 500,
    errorCode: known ? error.code : "internal_error",
  };
}

/**
 * Settles a request that produced nothing for its caller: FAILED when the provider failed, or
 * CANCELLED when the caller hung up first (`signal` aborted). Either way it costs nothing.
 */
export async function settleUndelivered(userId: string, requestId: string, error: unknown, signal: AbortSignal, startedAt: number): Promise<void> {
  const latencyMs = elapsedMs(startedAt);
  await settle(
    userId,
    requestId,
    signal.aborted ? { status: "CANCELLED", cost: 0n, latencyMs, httpStatus: CLIENT_CLOSED_REQUEST, errorCode: "client_closed" } : failedOutcome(error, latencyMs),
  );
}

/** A caller-supplied signal followed by our own controller, so that the core can abort too. */
function linkedController(signal: AbortSignal | undefined): AbortController {
  const controller = new AbortController();
  followAbort(signal, controller);
  return controller;
}

export function elapsedMs(startedAt: number): number {
  return Math.round(performance.now() - startedAt);
}
