// The one place that reads process.env. Each variable is validated once; a missing or malformed
// one fails at start with its name, instead of at the first request that needs it.
import "server-only";
import { z } from "zod";

// An unset or empty variable means "not configured".
const optionalUrl = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined))
  .pipe(z.url().optional());

// How many proxies in front of the front server are trusted to tell the client's address (the
// X-Forwarded-For entries they append) and the public host: unset or "false" = none, the socket's
// address is the client; "true" = one (a load balancer); a number = that many hops.
const trustProxy = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx) => {
    if (!v || v === "false") return 0;
    if (v === "true") return 1;
    if (/^\d+$/.test(v)) return Number(v);
    ctx.addIssue({ code: "custom", message: "TRUST_PROXY must be false, true or a number of proxy hops" });
    return z.NEVER;
  });

// One endpoint of a model's upstream pool in MODEL_UPSTREAMS: a base URL, or an object that may
// also name it (metrics and logs show the name; the host by default), the model's name there, its
// key, its share of the traffic and how many requests it takes at once.
const upstreamEndpointObject = z.object({
  name: z.string().min(1).max(64).optional(),
  baseUrl: z.url(),
  upstreamModel: z.string().min(1).optional(),
  apiKey: z.string().optional(),
  weight: z.number().positive().optional(),
  maxConcurrent: z.number().int().positive().optional(),
});
const upstreamEndpointEnv = z.union([z.url().transform((baseUrl) => ({ baseUrl })), upstreamEndpointObject]).pipe(upstreamEndpointObject);

const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    DATABASE_URL: z.url({ message: "DATABASE_URL is required: a postgresql:// connection URL" }),
    AUTH_SECRET: z.string({ message: "AUTH_SECRET is required (e.g. `openssl rand -base64 32`)" }).min(16, "AUTH_SECRET must be at least 16 characters"),
    // The console's public URL: emailed links and shown API addresses are built from it, never from
    // request headers (a forged Host would otherwise put an attacker's host in a reset link).
    AUTH_URL: optionalUrl,
    TRUST_PROXY: trustProxy,
    SMTP_URL: optionalUrl,
    EMAIL_FROM: z.string().default("EcoLink <no-reply@ecolink.local>"),
    STRIPE_SECRET_KEY: z.string().optional(),
    STRIPE_WEBHOOK_SECRET: z.string().optional(),
    STRIPE_API_BASE: optionalUrl,
    REDIS_URL: optionalUrl,
    RATE_LIMIT_RPM: z.coerce.number().int().positive().default(600),
    // Sign-ups allowed from one IP per hour (across instances: counted in the database).
    SIGNUPS_PER_IP_PER_HOUR: z.coerce.number().int().positive().default(5),
    ACCOUNT_RATE_LIMIT_RPM: z.coerce.number().int().positive().default(3_000),
    ACCOUNT_MAX_CONCURRENT_REQUESTS: z.coerce.number().int().positive().default(32),
    MAX_API_KEYS_PER_ACCOUNT: z.coerce.number().int().positive().default(50),
    LOCAL_WORK_CONCURRENCY: z.coerce.number().int().positive().default(2),
    LOCAL_WORK_QUEUE_LENGTH: z.coerce.number().int().nonnegative().default(16),
    SIGNUP_CREDIT_USD: z
      .string()
      .regex(/^\d+(\.\d{1,9})?$/)
      .default("1.00"),
    UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
    // How long a gateway process's heartbeat stays valid: the PENDING requests of a process silent
    // for longer are settled from their last checkpoint by the others (lib/inference/gateway-instance.ts).
    INSTANCE_LEASE_MS: z.coerce.number().int().min(1_000, "INSTANCE_LEASE_MS must be at least 1000").default(45_000),
    // On SIGTERM, how long requests in progress may run before they are ended (and billed for what they delivered).
    SHUTDOWN_GRACE_MS: z.coerce.number().int().nonnegative().default(30_000),
    // Where each upstream-served model runs, by public model id, overriding prisma/models.json: one
    // endpoint — {"meta-llama/Llama-3.1-8B-Instruct": "http://vllm:8000/v1"} or {"<id>": {"baseUrl": "…", "apiKey": "…"}} —
    // or a pool of them: {"<id>": [{"baseUrl": "…", "weight": 3, "maxConcurrent": 8}, "http://vllm-2:8000/v1"]}.
    MODEL_UPSTREAMS: z
      .string()
      .optional()
      .transform((text, ctx) => {
        if (!text?.trim()) return {};
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: "custom", message: "MODEL_UPSTREAMS must be a JSON object" });
          return z.NEVER;
        }
      })
      .pipe(
        z.record(
          z.string(),
          z.union([upstreamEndpointEnv, z.array(upstreamEndpointEnv).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])),
        ),
      ),
    // Failover: how many endpoints of a model's pool one request may try (a connection error, no
    // answer before UPSTREAM_TIMEOUT_MS, or a 502/503/504 moves it to the next, before anything was sent).
    UPSTREAM_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(3),
    // When every endpoint of a model is at its maxConcurrent, how long a request waits for one before a 503.
    UPSTREAM_QUEUE_TIMEOUT_MS: z.coerce.number().int().nonnegative().default(2_000),
    // Consecutive failures that take an endpoint out of its pool, and how long until one request tries it again.
    UPSTREAM_CIRCUIT_FAILURES: z.coerce.number().int().min(1).default(3),
    UPSTREAM_CIRCUIT_COOLDOWN_MS: z.coerce.number().int().positive().default(30_000),
    // While an endpoint is out, how often GET {baseUrl}/models asks whether it is back.
    UPSTREAM_PROBE_INTERVAL_MS: z.coerce.number().int().positive().default(5_000),
    // GET /metrics (Prometheus) answers only this bearer token; unset: /metrics is a 404.
    METRICS_TOKEN: z
      .string()
      .optional()
      .transform((v) => (v?.trim() ? v.trim() : undefined)),
    // "json": one structured line per API request on stdout (request id, model, endpoint, status, latency).
    LOG_FORMAT: z.enum(["text", "json"]).default("text"),
  })
  .superRefine((config, ctx) => {
    if (config.NODE_ENV === "production" && !config.AUTH_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["AUTH_URL"],
        message: "AUTH_URL is required in production: the console's public URL, e.g. https://console.example.com",
      });
    }
  });

export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

export function env(): Env {
  if (cached) return cached;
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    // One line, so that `npm start` names what to set in a single readable message.
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(env)"}: ${issue.message}`).join("; ");
    throw new Error(`Invalid environment configuration: ${problems}`);
  }
  cached = parsed.data;
  return cached;
}

/**
 * A secret named by configuration rather than by code, e.g. a model's `providerConfig.apiKeyEnv`
 * (the upstream's API key). Undefined when the variable is unset or empty.
 */
export function namedSecret(name: string): string | undefined {
  const value = process.env[name];
  return value ? value : undefined;
}
