// The gateway's side of the money: what every endpoint records when a request ends. Credit is
// held with reserveCredit before a request can answer (its provider call may start meanwhile, for an
// account seen with credit moments ago: openRequest) and settled here exactly once; a settlement
// that can't be written (the database is unreachable) is retried until it lands. A plain API answer
// is sent while its settlement is being written: its hold, committed before any of its work reached
// the caller, covers it, and a hold the account asks for meanwhile waits for that settlement rather
// than be refused for credit it is about to get back (answered-settlements.ts). Streams record what
// they deliver as they go (lib/inference/checkpoints.ts), a few tokens behind at most. A request
// whose process died is settled by another process from its last checkpoint once that process's
// lease has run out (a plain answer sent but not yet settled, for nothing), and one whose
// settlement a database crash lost, by its own process. A request whose charge leaves the balance
// under the owner's auto-recharge threshold triggers a recharge, which never delays or fails it.
import { followAbort } from "@/lib/abort";
import { answeredSettlements, answerSettling, answersSettling } from "@/lib/inference/answered-settlements";
import { newRequestId } from "@/lib/http/request-id";
import { maybeAutoRecharge } from "@/lib/billing/auto-recharge";
import {
  chargeBeforeCap,
  forgetExpiredInstances,
  pendingRequestsOfInstance,
  requestsOfLostInstances,
  reserveCredit,
  settleFromCheckpoint,
  settleRequest,
  type RequestOutcome,
  type Reservation,
  type Settlement,
} from "@/lib/credits/reservations";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { DomainError, isDomainError } from "@/lib/errors";
import { endedByShutdown, ensureInstanceLease, isDraining, isOpenRequest, trackOpenRequest, untrackOpenRequest } from "@/lib/inference/gateway-instance";
import { toOpenAIError } from "@/lib/inference/openai-errors";
import { requestOpened, requestSettled, withUpstreamTrace } from "@/lib/inference/request-telemetry";
import { holdEnded, holdStarting, type AccountAnswer } from "@/lib/inference/spare-credit";
import { startUpstreamTrace } from "@/lib/inference/upstream-trace";
import { untilWritten } from "@/lib/inference/until-written";

/** Who a request is billed to and where it came from; the playground passes apiKeyId null. */
export interface InferencePrincipal {
  userId: string;
  apiKeyId: string | null;
  source: "API" | "PLAYGROUND";
  /** The API key has a spend limit of its own (never in the playground). */
  keySpendLimited: boolean;
}

export interface InferenceOptions {
  /** Aborting it (the client hung up) cancels the provider call; only what was delivered is billed. */
  signal?: AbortSignal;
  /** Our id for the request (x-request-id); one is made when omitted. */
  requestId?: string;
  /** Called once credit is held and the request is in the log, to be settled there. */
  onOpened?: () => void;
}

/** nginx's "client closed request": what the log says about a request whose caller left. */
export const CLIENT_CLOSED_REQUEST = 499;

/** The errorCode of a request settled from its checkpoint because its process's lease ran out. */
export const INSTANCE_LOST = "instance_lost";

/** The errorCode of a request settled from its checkpoint because its own settlement was lost (a database crash). */
export const SETTLEMENT_LOST = "settlement_lost";

// Instance leases expired this long ago are deleted; their requests were settled long before.
const FORGET_INSTANCES_AFTER_MS = 60 * 60 * 1000;

/**
 * Settles the PENDING requests of gateway processes whose lease has run out, each from its last
 * checkpoint (what it had delivered; nothing for a request that delivered nothing), as CANCELLED
 * with errorCode instance_lost. Every instance runs it; settling is once-only, so racing is harmless.
 */
export async function settleRequestsOfLostInstances(leaseMs = env().INSTANCE_LEASE_MS): Promise<number> {
  const lost = await requestsOfLostInstances(leaseMs);
  const settled = await settleFromCheckpoints(lost, INSTANCE_LOST);
  if (lost.length) console.error(`Settled ${settled} request${settled === 1 ? "" : "s"} of lost gateway instances from their last checkpoints.`);
  await forgetExpiredInstances(FORGET_INSTANCES_AFTER_MS);
  return settled;
}

/**
 * Settles the PENDING requests of this process that it no longer has open, each from its last
 * checkpoint, as CANCELLED with errorCode settlement_lost. Their settlement committed without
 * waiting for the disk and a database crash lost it (reservations.ts), or their reserve committed
 * though its answer never arrived. A request is open from before its reserve until its settlement
 * has committed, so one PENDING here and not open then is no longer settled by anyone else.
 */
export async function settleLostSettlements(instanceId: string): Promise<number> {
  const pending = await pendingRequestsOfInstance(instanceId);
  const lost = pending.filter((requestId) => !isOpenRequest(requestId));
  const settled = await settleFromCheckpoints(lost, SETTLEMENT_LOST);
  if (settled)
    console.error(`Settled ${settled} request${settled === 1 ? "" : "s"} of this process whose settlement the database lost, from their last checkpoints.`);
  return settled;
}

/** Settles each request from its last checkpoint (once only: one settled meanwhile is skipped); how many it settled. */
async function settleFromCheckpoints(requestIds: string[], errorCode: string): Promise<number> {
  let settled = 0;
  for (const requestId of requestIds) {
    const settlement = await settleFromCheckpoint(requestId, { status: "CANCELLED", errorCode });
    if (!settlement) continue;
    settled += 1;
    const { userId } = await db.requestLog.findUniqueOrThrow({ where: { id: requestId }, select: { userId: true } });
    afterSettlement(userId, requestId, settlement);
  }
  return settled;
}

/** This process's lease, started on first use (server.ts starts it at once, to sweep from the start). */
export function startGatewayInstance(): string {
  return ensureInstanceLease(async (instanceId) => {
    await settleRequestsOfLostInstances();
    await settleLostSettlements(instanceId);
  });
}

/** A metered request in progress, as the work it runs sees it. */
export interface OpenCall {
  requestId: string;
  /** Aborts when the caller hangs up or the server ends the request: stop the provider call. */
  signal: AbortSignal;
  startedAt: number;
}

export interface MeteredRequest {
  principal: InferencePrincipal;
  modelId: string;
  endpoint: string;
  /** The most the request can cost, held for it by openRequest. */
  hold: bigint;
  options: InferenceOptions;
  /** When the request started (performance.now()), for its latency; now by default. */
  startedAt?: number;
}

/** A held request whose work has begun: settle it, whatever `work` comes to. */
export interface OpenedRequest<Work> {
  call: OpenCall;
  /** Aborts the provider call: the caller hung up, the server is ending the request, or its consumer stopped. */
  controller: AbortController;
  /** What the request's `begin` returned or threw. */
  work: Promise<Work>;
}

/**
 * Starts a metered request: holds the most it can cost (throws insufficient_quota /
 * key_limit_reached, 402) and begins its work, `begin`, whose result is the caller's to settle.
 *
 * The work begins while the hold is being written when this process saw the account, moments ago,
 * with spare credit to cover it beside its other holds being written here, and the API key has no
 * spend limit of its own (spare-credit.ts): the reserve statement and the provider's first
 * bytes then take one round trip's time instead of two. Nothing of the work reaches the caller
 * before the hold has committed, since this returns only then; a hold refused meanwhile aborts the
 * work (`discard` gets what it made, if it got that far) and throws the refusal. Any other request
 * waits for its hold before its work begins, and the hold waits for the account's early holds being
 * written, so that it can't commit first and take the credit they started on.
 */
export async function openRequest<Work>(
  request: MeteredRequest,
  begin: (call: OpenCall) => Promise<Work>,
  discard?: (work: Work) => void,
): Promise<OpenedRequest<Work>> {
  if (isDraining()) throw new DomainError("upstream_unavailable", "This server is restarting and takes no new requests; please retry.");
  const { principal, options } = request;
  const requestId = options.requestId ?? newRequestId();
  const instanceId = startGatewayInstance();
  const controller = linkedController(options.signal);
  const call: OpenCall = { requestId, signal: controller.signal, startedAt: request.startedAt ?? performance.now() };
  const trace = startUpstreamTrace(controller.signal);
  // Open before its row exists: a PENDING row of this process that isn't open is one that nobody
  // settles any more (settleLostSettlements).
  trackOpenRequest(requestId, controller);
  const settlingBefore = answersSettling(principal.userId);
  const hold = holdStarting(principal.userId, request.hold, principal.keySpendLimited);
  const early = hold.early ? begin(call) : null;
  // Until the hold is known the early work's failure has no one to hear it; it is awaited later.
  early?.catch(() => undefined);
  let reservation: Reservation;
  try {
    if (hold.behind) await hold.behind;
    const reserve = () =>
      reserveCredit({
        userId: principal.userId,
        apiKeyId: principal.apiKeyId,
        modelId: request.modelId,
        endpoint: request.endpoint,
        source: principal.source,
        amount: request.hold,
        requestId,
        instanceId,
      });
    reservation = await reserve().catch(async (error: unknown) => {
      if (!settlingBefore || !refusedForWhatIsHeld(error)) throw error;
      await answeredSettlements(principal.userId);
      return reserve();
    });
  } catch (error) {
    untrackOpenRequest(requestId);
    holdEnded(principal.userId, request.hold, accountAnswerOf(error), hold);
    if (early) {
      controller.abort();
      early.then(
        (work) => discard?.(work),
        () => undefined,
      );
    }
    throw error;
  }
  holdEnded(principal.userId, request.hold, reservation.spare, hold);
  options.onOpened?.();
  requestOpened(requestId, request.modelId, request.endpoint, request.hold, trace);
  return { call, controller, work: early ?? begin(call) };
}

/** A hold refused for what the account (or its key) has held or spent, which a settlement may give back. */
function refusedForWhatIsHeld(error: unknown): boolean {
  return isDomainError(error) && (error.code === "insufficient_quota" || error.code === "key_limit_reached" || error.code === "rate_limited");
}

/** What a reserve that failed told of its account's credit: nothing when it refused the API key itself. */
function accountAnswerOf(error: unknown): AccountAnswer {
  return isDomainError(error) && (error.code === "unauthenticated" || error.code === "key_limit_reached") ? "key refused" : null;
}

/**
 * Settles a request, retrying while the database is unreachable, and returns what it was charged;
 * null when it was settled already. A request that delivered its answer (SUCCEEDED) and finds
 * itself settled by the lost-instance sweep (this process lost its lease meanwhile) must not be
 * answered: that throws upstream_unavailable.
 */
export async function settle(userId: string, requestId: string, reported: RequestOutcome): Promise<Settlement | null> {
  let attempts = 0;
  const outcome = withUpstreamTrace(requestId, reported);
  let settlement: Settlement | null = null;
  try {
    settlement = await untilWritten(`Settlement of request ${requestId}`, () => {
      attempts += 1;
      return settleRequest({ requestId, userId }, outcome);
    });
    if (settlement) {
      afterSettlement(userId, requestId, settlement);
      return settlement;
    }
    return await alreadySettled(requestId, outcome, attempts);
  } finally {
    untrackOpenRequest(requestId);
    requestSettled(requestId, outcome, settlement);
  }
}

/** After a settle that changed nothing: ours if an earlier attempt committed, else someone else's. */
async function alreadySettled(requestId: string, outcome: RequestOutcome, attempts: number): Promise<Settlement | null> {
  const row = await db.requestLog.findUnique({ where: { id: requestId }, select: { errorCode: true, cost: true, userId: true } });
  if (row?.errorCode === INSTANCE_LOST) {
    if (outcome.status === "SUCCEEDED") {
      throw new DomainError(
        "upstream_unavailable",
        "This request was interrupted by a gateway restart before its answer could be recorded; it was not charged for the answer. Please retry.",
      );
    }
    return null;
  }
  if (!row || attempts === 1) return null;
  const account = await db.creditAccount.findUniqueOrThrow({ where: { userId: row.userId }, select: { balance: true } });
  return { cost: row.cost, balanceAfter: account.balance, autoRechargeDue: false };
}

function afterSettlement(userId: string, requestId: string, settlement: Settlement): void {
  if (settlement.cost > 0n && settlement.autoRechargeDue) {
    maybeAutoRecharge(userId, settlement.balanceAfter).catch((error: unknown) => {
      console.error(`Auto-recharge check failed for user ${userId} after request ${requestId}:`, error);
    });
  }
}

/** What a request used and is charged for (cost in nano-dollars, capped at the hold when settled). */
export interface BilledUsage {
  cost: bigint;
  inputTokens?: number;
  outputTokens?: number;
  images?: number;
  audioSeconds?: number;
  inputCharacters?: number;
  /** The backend reported no usage; the tokens were counted here. */
  usageCounted?: boolean;
}

/** The log fields of a request that delivered its answer. `ttftMs` null: the answer came in one piece. */
export function succeededOutcome(usage: BilledUsage, startedAt: number, ttftMs: number | null = null): RequestOutcome {
  const latencyMs = elapsedMs(startedAt);
  return { status: "SUCCEEDED", ...usage, latencyMs, ttftMs: ttftMs ?? latencyMs, httpStatus: 200 };
}

/** The log fields of a request that failed: it costs nothing. */
export function failedOutcome(error: unknown, startedAt: number): RequestOutcome {
  const known = isDomainError(error);
  return {
    status: "FAILED",
    cost: 0n,
    latencyMs: elapsedMs(startedAt),
    httpStatus: known ? toOpenAIError(error).status : 500,
    errorCode: known ? error.code : "internal_error",
  };
}

/**
 * The log fields of a request ended early, by its caller hanging up or by this server shutting
 * down: it pays for what it used (`usage`; nothing when it delivered nothing).
 */
export function cancelledOutcome(signal: AbortSignal, usage: BilledUsage, startedAt: number, ttftMs: number | null = null): RequestOutcome {
  const how = endedByShutdown(signal)
    ? ({ status: "CANCELLED", httpStatus: 503, errorCode: "shutdown" } as const)
    : ({ status: "CANCELLED", httpStatus: CLIENT_CLOSED_REQUEST, errorCode: "client_closed" } as const);
  return { ...how, ...usage, latencyMs: elapsedMs(startedAt), ttftMs };
}

/**
 * The outcome of a request that produced nothing for its caller: FAILED when the provider failed,
 * or CANCELLED when the caller hung up first or the server ended it (`signal` aborted). Either way
 * it costs nothing.
 */
export function undeliveredOutcome(error: unknown, signal: AbortSignal, startedAt: number): RequestOutcome {
  return signal.aborted ? cancelledOutcome(signal, { cost: 0n }, startedAt) : failedOutcome(error, startedAt);
}

/** What a metered call answers: the request's id, what it was charged, and its answer. */
export interface MeteredAnswer<Body> {
  requestId: string;
  cost: bigint;
  body: Body;
}

/**
 * The one sequence every answer-in-one-piece endpoint follows: hold the most the request can cost,
 * run it, and settle it — at no cost when `run` throws, for `usage` when it succeeds. A failure is
 * settled before it is thrown; an API answer is returned while its settlement is written.
 * Streams settle as they end (generation.ts).
 */
export async function meteredCall<Body>(
  request: MeteredRequest,
  run: (call: OpenCall) => Promise<{ usage: BilledUsage; answer: (charged: bigint) => Body }>,
): Promise<MeteredAnswer<Body>> {
  const { principal } = request;
  const { call, work } = await openRequest(request, run);
  const { requestId, signal, startedAt } = call;
  let result: Awaited<ReturnType<typeof run>>;
  try {
    result = await work;
  } catch (error) {
    await settle(principal.userId, requestId, undeliveredOutcome(error, signal, startedAt));
    throw error;
  }
  const cost = await settleWhileAnswering(principal, requestId, request.hold, succeededOutcome(result.usage, startedAt));
  return { requestId, cost, body: result.answer(cost) };
}

/**
 * Settles a request whose answer goes out meanwhile — its hold covers it — and returns the charge
 * the answer quotes: the outcome's cost capped at the hold, as the settlement charges it. A
 * settlement that fails is left to the sweeps, which settle the request from its last checkpoint.
 */
export async function settleWhileAnswering(principal: InferencePrincipal, requestId: string, hold: bigint, outcome: RequestOutcome): Promise<bigint> {
  const settlement = settle(principal.userId, requestId, outcome).catch((error: unknown) => {
    console.error(`Settlement of request ${requestId} failed after its answer was sent; it is settled from its last checkpoint:`, error);
  });
  answerSettling(principal.userId, settlement);
  // The console shows the balance the moment its playground has an answer: that one waits.
  if (principal.source === "PLAYGROUND") await settlement;
  const charged = chargeBeforeCap(outcome);
  return charged < hold ? charged : hold;
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
