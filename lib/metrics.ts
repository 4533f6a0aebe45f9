// What the operator's Prometheus scrapes from GET /metrics (served by server.ts, behind
// METRICS_TOKEN): the API's requests where they end (lib/inference/metering.ts), the upstream
// pools' attempts and circuits (lib/inference/upstream-pool.ts), the metering statements' round
// trips (lib/credits/reservations.ts), and the process's health — event-loop lag, heap, the
// database pool. Label values are bounded: model ids that exist, the fixed API routes, endpoint
// names from configuration, HTTP statuses, the kinds of metering write; never a user or key.
// Counts are per process (each instance behind a load balancer is scraped on its own); the
// console's Next.js child, which serves the playground, is not in them.
import "server-only";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { accountWriteSlotUsage } from "@/lib/credits/account-write-slots";
import { dbPoolUsage } from "@/lib/db";

/** The API routes a request's `route` label may name; anything else (an unknown path) is "other". */
const ROUTES = new Set([
  "/v1/chat/completions",
  "/v1/completions",
  "/v1/images/generations",
  "/v1/audio/transcriptions",
  "/v1/audio/translations",
  "/v1/audio/speech",
  "/v1/embeddings",
  "/v1/models",
  "/v1/me",
]);

export function routeLabel(endpoint: string): string {
  if (ROUTES.has(endpoint)) return endpoint;
  return endpoint.startsWith("/v1/models/") ? "/v1/models/{id}" : "other";
}

/** Request latencies, from a cached answer to a long generation. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Database round trips: a fraction of a millisecond on a quiet database, up to the statement timeout. */
const DATABASE_BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

/** A gauge read when scraped: one sample per state, labelled with it, from `usage`'s fields. */
function stateGauge(registry: Registry, name: string, help: string, usage: () => Record<string, number>): void {
  new Gauge({
    name,
    help,
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      for (const [state, value] of Object.entries(usage())) this.set({ state }, value);
    },
  });
}

function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  const metrics = {
    registry,
    requests: new Counter({
      name: "ecolink_requests_total",
      help: "API requests that ended, by model, API route, upstream endpoint that answered (none: no upstream did) and HTTP status.",
      labelNames: ["model", "route", "upstream", "status"] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: "ecolink_request_duration_seconds",
      help: "Time from a request's arrival to its end (the last byte, for streams).",
      labelNames: ["model", "route"] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    ttft: new Histogram({
      name: "ecolink_time_to_first_token_seconds",
      help: "Time from a request's arrival to its first generated token, for requests that delivered one.",
      labelNames: ["model", "route"] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    tokens: new Counter({
      name: "ecolink_tokens_total",
      help: "Tokens billed, by model and direction (input: prompt, output: completion).",
      labelNames: ["model", "direction"] as const,
      registers: [registry],
    }),
    inFlight: new Gauge({ name: "ecolink_requests_in_flight", help: "Metered requests holding credit in this process.", registers: [registry] }),
    creditHeld: new Gauge({
      name: "ecolink_credit_held_dollars",
      help: "Credit held for the metered requests in flight in this process, in US dollars.",
      registers: [registry],
    }),
    upstreamAttempts: new Counter({
      name: "ecolink_upstream_attempts_total",
      help: "Requests sent to an upstream endpoint, by outcome: ok, client_error (a 4xx), connect_error, timeout, server_error (a 5xx).",
      labelNames: ["model", "upstream", "outcome"] as const,
      registers: [registry],
    }),
    upstreamRetries: new Counter({
      name: "ecolink_upstream_retries_total",
      help: "Failed attempts at an endpoint that were retried on another endpoint of the pool.",
      labelNames: ["model", "upstream"] as const,
      registers: [registry],
    }),
    upstreamOutstanding: new Gauge({
      name: "ecolink_upstream_outstanding_requests",
      help: "Requests an upstream endpoint is working on for this process.",
      labelNames: ["model", "upstream"] as const,
      registers: [registry],
    }),
    circuitState: new Gauge({
      name: "ecolink_upstream_circuit_state",
      help: "An upstream endpoint's circuit: 0 closed (healthy), 1 half-open (being tried), 2 open (taken out of its pool).",
      labelNames: ["model", "upstream"] as const,
      registers: [registry],
    }),
    meteringWriteDuration: new Histogram({
      name: "ecolink_metering_write_duration_seconds",
      help: "Round trip of the metering statements to PostgreSQL, by write: reserve (every request waits for its own before it answers), settle, checkpoint (what streams have delivered). One statement may carry several requests of an account.",
      labelNames: ["write"] as const,
      buckets: DATABASE_BUCKETS,
      registers: [registry],
    }),
    queueRejections: new Counter({
      name: "ecolink_upstream_queue_rejections_total",
      help: "Requests refused with a 503 because every endpoint of their model stayed at its maxConcurrent for the queue timeout.",
      labelNames: ["model"] as const,
      registers: [registry],
    }),
  };
  stateGauge(
    registry,
    "ecolink_db_pool_connections",
    "The process's PostgreSQL pool: connections open (total), idle, and requests waiting for one (waiting).",
    dbPoolUsage,
  );
  stateGauge(
    registry,
    "ecolink_account_writes",
    "Reserve and settle statements of this process running (at most a few per account: lib/credits/account-write-slots.ts) and waiting for a slot of their account.",
    accountWriteSlotUsage,
  );
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

// One set per process, even if a bundler loads this module twice.
const key = Symbol.for("ecolink.metrics");
const globalForMetrics = globalThis as unknown as { [key]?: Metrics };

export function metrics(): Metrics {
  globalForMetrics[key] ??= createMetrics();
  return globalForMetrics[key];
}

/** The Prometheus text exposition of everything above. */
export async function metricsText(): Promise<{ contentType: string; body: string }> {
  const { registry } = metrics();
  return { contentType: registry.contentType, body: await registry.metrics() };
}
