// The one mapping from anything a /v1 handler throws to OpenAI's error shape and status code, so
// that OpenAI SDKs raise the error class their users expect (AuthenticationError for 401,
// RateLimitError for 429, …). Unknown errors become a generic 500: the real error is logged here
// and never sent to the client. A database that can't be reached is not the request's fault nor a
// bug: it answers 503 with Retry-After, which clients retry. Providers turn their own connection
// errors into domain errors, so a socket error that gets here is a database call's.
import { ZodError } from "zod";
import { isDatabaseUnreachable } from "@/lib/database-errors";
import { DomainError, isDomainError, type DomainErrorCode } from "@/lib/errors";

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface OpenAIError {
  status: number;
  body: OpenAIErrorBody;
  headers: Record<string, string>;
}

export interface Mapping {
  status: number;
  type: string;
  code: string | null;
  /** The parameter blamed when the thrower named none. */
  param?: string;
}

// OpenAI answers an exhausted quota with 429; we use 402 so that "out of credit" is never retried
// as if it were a rate limit, and keep OpenAI's type and code so clients still recognise it.
const MAPPINGS: Record<DomainErrorCode, Mapping> = {
  invalid_request: { status: 400, type: "invalid_request_error", code: null },
  unauthenticated: { status: 401, type: "invalid_request_error", code: "invalid_api_key" },
  insufficient_quota: { status: 402, type: "insufficient_quota", code: "insufficient_quota" },
  key_limit_reached: { status: 402, type: "insufficient_quota", code: "insufficient_quota" },
  not_found: { status: 404, type: "invalid_request_error", code: "not_found" },
  model_not_found: { status: 404, type: "invalid_request_error", code: "model_not_found", param: "model" },
  conflict: { status: 409, type: "invalid_request_error", code: "conflict" },
  payload_too_large: { status: 413, type: "invalid_request_error", code: "payload_too_large" },
  unsupported_media_type: { status: 415, type: "invalid_request_error", code: "unsupported_media_type" },
  rate_limited: { status: 429, type: "requests", code: "rate_limit_exceeded" },
  upstream_error: { status: 502, type: "server_error", code: "upstream_error" },
  upstream_unavailable: { status: 503, type: "server_error", code: "upstream_unavailable" },
  not_configured: { status: 503, type: "server_error", code: "not_configured" },
  upstream_timeout: { status: 504, type: "server_error", code: "upstream_timeout" },
  service_unavailable: { status: 503, type: "server_error", code: "service_unavailable" },
};

/**
 * Every error a /v1 answer can carry, by the domain error it comes from, and the 500 of anything
 * else: read by the /docs error table and GET /v1/openapi.json's error responses, so they list
 * what this mapping says.
 */
export const OPENAI_ERROR_MAPPINGS: Readonly<Record<DomainErrorCode, Readonly<Mapping>>> = MAPPINGS;
export const INTERNAL_ERROR_MAPPING: Readonly<Mapping> = { status: 500, type: "server_error", code: null };

const INTERNAL_ERROR_MESSAGE = "The server had an error while processing your request. Sorry about that! Please try again.";

/** ["messages", 0, "role"] → "messages[0].role" */
function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, segment) => {
    if (typeof segment === "number") return `${out}[${segment}]`;
    const name = String(segment);
    return out ? `${out}.${name}` : name;
  }, "");
}

// Zod's default messages start with a category ("Invalid option: expected one of …"); after our
// own "Invalid value for 'x':" the category only repeats itself.
const ZOD_MESSAGE_CATEGORY = /^(Invalid input|Invalid option|Too small|Too big|Invalid string|Invalid number): /;

/** The first problem of a failed request validation, as a 400 that names the offending parameter. */
export function zodErrorToDomainError(error: ZodError): DomainError {
  const issue = error.issues[0];
  if (!issue) return new DomainError("invalid_request", "The request body is invalid.");
  const param = formatPath(issue.path);

  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((key) => (param ? `${param}.${key}` : key));
    return new DomainError("invalid_request", `Unrecognized request argument supplied: ${keys.join(", ")}`, { param: keys[0] ?? null });
  }
  if (issue.code === "invalid_type" && param && issue.message.endsWith("received undefined")) {
    return new DomainError("invalid_request", `Missing required parameter: '${param}'.`, { param });
  }
  const detail = issue.message.replace(ZOD_MESSAGE_CATEGORY, "");
  const message = param ? `Invalid value for '${param}': ${detail}.` : `Invalid request body: ${detail}.`;
  return new DomainError("invalid_request", message.replace(/\.\.$/, "."), { param: param || null });
}

/** Seconds a client is asked to wait before retrying a request refused while the database is unreachable. */
const DATABASE_RETRY_AFTER_SECONDS = 2;
/** While the database stays unreachable, one line says so this often, with how many requests were refused since. */
const OUTAGE_LOG_EVERY_MS = 10_000;
const outageLog = { lastAt: Number.NEGATIVE_INFINITY, refusedSince: 0 };

function databaseUnavailable(error: unknown): DomainError {
  outageLog.refusedSince += 1;
  const now = performance.now();
  if (now - outageLog.lastAt >= OUTAGE_LOG_EVERY_MS) {
    const count = outageLog.refusedSince;
    console.error(
      `The database is unreachable (${error instanceof Error ? error.message : String(error)}); ${count} API request${count === 1 ? " was" : "s were"} answered 503 since the last such line.`,
    );
    outageLog.lastAt = now;
    outageLog.refusedSince = 0;
  }
  return new DomainError(
    "service_unavailable",
    "EcoLink can't reach its database right now, so this request was not answered and nothing was charged. Please retry in a few seconds.",
    { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS },
  );
}

/** What the client is told: a failed validation as a 400, an unreachable database as a 503, else the error itself. */
export function asDomainError(error: unknown): unknown {
  if (error instanceof ZodError) return zodErrorToDomainError(error);
  if (isDatabaseUnreachable(error)) return databaseUnavailable(error);
  return error;
}

export function toOpenAIError(error: unknown): OpenAIError {
  const domainError = asDomainError(error);
  if (!isDomainError(domainError)) {
    console.error("Unexpected error while serving an API request:", error);
    return {
      status: INTERNAL_ERROR_MAPPING.status,
      body: { error: { message: INTERNAL_ERROR_MESSAGE, type: INTERNAL_ERROR_MAPPING.type, param: null, code: INTERNAL_ERROR_MAPPING.code } },
      headers: {},
    };
  }
  const mapping = MAPPINGS[domainError.code];
  const headers: Record<string, string> = {};
  const retryAfter = domainError.details.retryAfterSeconds;
  if (retryAfter !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(retryAfter)));
  return {
    status: mapping.status,
    body: {
      error: {
        message: domainError.message,
        type: mapping.type,
        param: domainError.details.param ?? mapping.param ?? null,
        code: mapping.code,
      },
    },
    headers,
  };
}

export function openAIErrorResponse(error: unknown, extraHeaders: Record<string, string> = {}): Response {
  const { status, body, headers } = toOpenAIError(error);
  return Response.json(body, { status, headers: { ...headers, ...extraHeaders } });
}

const SERVED =
  "/v1/chat/completions, /v1/completions, /v1/embeddings, /v1/images/generations, /v1/audio/speech, /v1/audio/transcriptions, " +
  "/v1/audio/translations, /v1/models and /v1/me";

/** A /v1 path the API doesn't have: OpenAI's 404, listing what it does have. */
export function invalidV1Url(method: string, pathname: string): DomainError {
  return new DomainError("not_found", `Invalid URL (${method} ${pathname}). EcoLink serves ${SERVED}.`);
}

/** A /v1 path asked with a method it doesn't take: 405 with Allow, in OpenAI's error shape. */
export function methodNotAllowed(method: string, pathname: string, allowed: readonly string[]): Response {
  const body: OpenAIErrorBody = {
    error: {
      message: `${method} is not allowed on ${pathname}; use ${allowed.join(" or ")}.`,
      type: "invalid_request_error",
      param: null,
      code: "method_not_allowed",
    },
  };
  return Response.json(body, { status: 405, headers: { allow: allowed.join(", ") } });
}
