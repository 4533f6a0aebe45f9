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

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.url({ message: "DATABASE_URL is required: a postgresql:// connection URL" }),
  AUTH_SECRET: z.string({ message: "AUTH_SECRET is required (e.g. `openssl rand -base64 32`)" }).min(16, "AUTH_SECRET must be at least 16 characters"),
  AUTH_URL: optionalUrl,
  SMTP_URL: optionalUrl,
  EMAIL_FROM: z.string().default("EcoLink <no-reply@ecolink.local>"),
  STRIPE_SECRET_KEY: z.string().optional(),
  STRIPE_WEBHOOK_SECRET: z.string().optional(),
  STRIPE_API_BASE: optionalUrl,
  REDIS_URL: optionalUrl,
  RATE_LIMIT_RPM: z.coerce.number().int().positive().default(600),
  SIGNUP_CREDIT_USD: z.string().regex(/^\d+(\.\d{1,9})?$/).default("1.00"),
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
  // Where each upstream-served model runs, by public model id, overriding prisma/models.json:
  // {"meta-llama/Llama-3.1-8B-Instruct": "http://vllm:8000/v1"} or {"<id>": {"baseUrl": "…", "apiKey": "…"}}.
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
        z.union([z.url().transform((baseUrl) => ({ baseUrl, apiKey: undefined })), z.object({ baseUrl: z.url(), apiKey: z.string().optional() })]),
      ),
    ),
});

export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

export function env(): Env {
  if (cached) return cached;
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `  ${issue.path.join(".") || "(env)"}: ${issue.message}`)
      .join("\n");
    throw new Error(`Invalid environment configuration:\n${problems}`);
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
