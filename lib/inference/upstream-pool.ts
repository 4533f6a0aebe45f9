// Routing among the endpoints of a model's upstream pool (ResolvedUpstream.endpoints), like a load
// balancer: each request goes to the healthy endpoint with the fewest outstanding requests for its
// weight, ties shared out by weight (smooth weighted round robin, as nginx does), so that traffic
// splits by weight whether it comes one request at a time or many at once. An endpoint at its
// maxConcurrent takes no more; when every one is full a request waits up to
// UPSTREAM_QUEUE_TIMEOUT_MS for a slot, then gets a 503 with Retry-After.
//
// Each endpoint has a circuit (lib/inference/circuit-breaker.ts): consecutive failures take it out
// of the pool, and while it is out GET {baseUrl}/models asks every UPSTREAM_PROBE_INTERVAL_MS
// whether it answers again; it rejoins through one trial request. When every endpoint left to try
// is out, they are tried anyway: a pool with nothing healthy answers as its servers do, never with
// a refusal of our own (a single-endpoint model behaves as it did before pools).
//
// The state is per process and per (model, endpoint name), so it survives the registry's reloads.
import "server-only";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import { CircuitBreaker, type CircuitState } from "@/lib/inference/circuit-breaker";
import type { UpstreamEndpoint } from "@/lib/inference/registry";
import { metrics } from "@/lib/metrics";

/** How an attempt at an endpoint ended, for its circuit and the attempts metric. */
export type AttemptOutcome = "ok" | "client_error" | "connect_error" | "timeout" | "server_error";

/** A slot at one endpoint, held until release(). */
export interface EndpointLease {
  endpoint: UpstreamEndpoint;
  /** Tells the endpoint's circuit and the metrics how the attempt went (once). */
  report(outcome: AttemptOutcome, retried: boolean): void;
  /** Frees the slot (idempotent): the request is done with the endpoint. */
  release(): void;
}

interface EndpointState {
  endpoint: UpstreamEndpoint;
  readonly labels: { model: string; upstream: string };
  outstanding: number;
  /** Smooth weighted round robin's running weight. */
  currentWeight: number;
  readonly circuit: CircuitBreaker;
  probe: NodeJS.Timeout | undefined;
}

interface PoolState {
  endpoints: Map<string, EndpointState>;
  /** Requests waiting for a slot, woken whenever one is freed. */
  waiters: Set<() => void>;
}

const CIRCUIT_GAUGE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

const key = Symbol.for("ecolink.upstreamPools");
const globalForPools = globalThis as unknown as { [key]?: Map<string, PoolState> };

function poolOf(modelId: string): PoolState {
  globalForPools[key] ??= new Map();
  const pools = globalForPools[key];
  let pool = pools.get(modelId);
  if (!pool) {
    pool = { endpoints: new Map(), waiters: new Set() };
    pools.set(modelId, pool);
  }
  return pool;
}

function stateOf(pool: PoolState, modelId: string, endpoint: UpstreamEndpoint): EndpointState {
  const state = pool.endpoints.get(endpoint.name);
  if (state) {
    // The registry reloads: keep the state, take the latest configuration.
    state.endpoint = endpoint;
    return state;
  }
  const labels = { model: modelId, upstream: endpoint.name };
  const created: EndpointState = {
    endpoint,
    labels,
    outstanding: 0,
    currentWeight: 0,
    probe: undefined,
    circuit: new CircuitBreaker({
      failureThreshold: env().UPSTREAM_CIRCUIT_FAILURES,
      cooldownMs: env().UPSTREAM_CIRCUIT_COOLDOWN_MS,
      onChange: (circuit) => {
        metrics().circuitState.set(labels, CIRCUIT_GAUGE[circuit]);
        if (circuit === "open") startProbing(created, pool);
        else stopProbing(created);
      },
    }),
  };
  metrics().circuitState.set(labels, 0);
  metrics().upstreamOutstanding.set(labels, 0);
  pool.endpoints.set(endpoint.name, created);
  return created;
}

/** While the circuit is open: GET {baseUrl}/models until the server answers (any status under 500). */
function startProbing(state: EndpointState, pool: PoolState): void {
  stopProbing(state);
  const intervalMs = env().UPSTREAM_PROBE_INTERVAL_MS;
  let probing = false;
  state.probe = setInterval(() => {
    if (probing) return;
    probing = true;
    const { baseUrl, apiKey } = state.endpoint;
    fetch(`${baseUrl}/models`, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {}, signal: AbortSignal.timeout(intervalMs), cache: "no-store" })
      .then(async (response) => {
        await response.body?.cancel();
        if (response.status < 500 && state.circuit.state === "open") {
          state.circuit.answering();
          wake(pool);
        }
      })
      .catch(() => undefined)
      .finally(() => {
        probing = false;
      });
  }, intervalMs);
  state.probe.unref();
}

function stopProbing(state: EndpointState): void {
  clearInterval(state.probe);
  state.probe = undefined;
}

function wake(pool: PoolState): void {
  for (const waiter of [...pool.waiters]) waiter();
}

/** Least outstanding requests per unit of weight; among equals, smooth weighted round robin. */
function choose(candidates: EndpointState[]): EndpointState {
  let best = Infinity;
  let tied: EndpointState[] = [];
  for (const state of candidates) {
    const load = state.outstanding / state.endpoint.weight;
    if (load < best - 1e-9) {
      best = load;
      tied = [state];
    } else if (Math.abs(load - best) <= 1e-9) tied.push(state);
  }
  if (tied.length === 1) return tied[0]!;
  let total = 0;
  let chosen = tied[0]!;
  for (const state of tied) {
    state.currentWeight += state.endpoint.weight;
    total += state.endpoint.weight;
    if (state.currentWeight > chosen.currentWeight) chosen = state;
  }
  chosen.currentWeight -= total;
  return chosen;
}

function lease(pool: PoolState, state: EndpointState, trial: boolean): EndpointLease {
  state.outstanding += 1;
  metrics().upstreamOutstanding.set(state.labels, state.outstanding);
  let reported = false;
  let released = false;
  return {
    endpoint: state.endpoint,
    report(outcome, retried) {
      if (reported) return;
      reported = true;
      metrics().upstreamAttempts.inc({ ...state.labels, outcome });
      if (retried) metrics().upstreamRetries.inc(state.labels);
      // A 4xx is about the request, not the server: it answered.
      if (outcome === "ok" || outcome === "client_error") state.circuit.succeeded();
      else state.circuit.failed();
    },
    release() {
      if (released) return;
      released = true;
      if (trial && !reported) state.circuit.abandoned();
      state.outstanding -= 1;
      metrics().upstreamOutstanding.set(state.labels, state.outstanding);
      wake(pool);
    },
  };
}

/**
 * A slot at the endpoint of `endpoints` (a model's pool) the next attempt should go to, skipping
 * those named in `tried`; null when every endpoint has been tried. Waits while every candidate is
 * at its maxConcurrent; throws upstream_unavailable (503, Retry-After) when none frees up within
 * UPSTREAM_QUEUE_TIMEOUT_MS, and the signal's reason when it aborts first.
 */
export async function acquireEndpoint(
  modelId: string,
  endpoints: readonly UpstreamEndpoint[],
  tried: ReadonlySet<string>,
  signal: AbortSignal,
): Promise<EndpointLease | null> {
  const pool = poolOf(modelId);
  const queueDeadline = Date.now() + env().UPSTREAM_QUEUE_TIMEOUT_MS;
  for (;;) {
    signal.throwIfAborted();
    const untried = endpoints.filter((endpoint) => !tried.has(endpoint.name)).map((endpoint) => stateOf(pool, modelId, endpoint));
    if (untried.length === 0) return null;
    const healthy = untried.filter((state) => state.circuit.allows());
    const candidates = healthy.length ? healthy : untried;
    const free = candidates.filter((state) => state.outstanding < state.endpoint.maxConcurrent);
    if (free.length) {
      const state = choose(free);
      return lease(pool, state, healthy.length > 0 && state.circuit.admit());
    }
    const waitMs = queueDeadline - Date.now();
    if (waitMs <= 0) {
      metrics().queueRejections.inc({ model: modelId });
      throw new DomainError("upstream_unavailable", `Every inference server for ${modelId} is at capacity. You were not charged; please retry shortly.`, {
        retryAfterSeconds: 1,
      });
    }
    await slotFreed(pool, waitMs, signal);
  }
}

/** Resolves when a slot of the pool is freed (or a circuit changes), after `ms`, or when the signal aborts. */
function slotFreed(pool: PoolState, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pool.waiters.delete(done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    pool.waiters.add(done);
    signal.addEventListener("abort", done, { once: true });
  });
}
