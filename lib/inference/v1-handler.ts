// The shared frame of every /v1 route handler: authenticate the API key, apply its rate limit,
// give the request an id, and turn whatever goes wrong into OpenAI's error shape. A request
// refused before the core held credit for it (bad input, unknown model, rate limit, no credit, a
// revoked key) is still written to its key's request log, at no cost, with its error code; one
// whose key we don't know (none, a wrong one, a database we can't reach) is only counted in
// /metrics. Every response carries x-request-id and the x-ratelimit-* headers; a 429 also carries
// Retry-After. The body readers enforce size limits and content types, so bad input is a clean
// 4xx, never a 500.
//
// A handler answers with a Response, or on the hot paths with its JSON body or event stream
// alone: server.ts writes those to the socket itself (the route's `answer`, which it calls with its
// RequestHead view of the node request rather than a Request), which spares every request a
// Request, a Response and their streams; Next.js gets a Response made from them.
import "server-only";
import { authenticateApiKey, recentlyAuthenticatedApiKey, RefusedKeyError, type ApiKeyPrincipal } from "@/lib/keys/authenticate-api-key";
import { newRequestId } from "@/lib/http/request-id";
import { publicOriginFor } from "@/lib/auth/public-origin";
import { env } from "@/lib/env";
import { DomainError, isDomainError } from "@/lib/errors";
import type { RequestHead } from "@/lib/http/node-web-bridge";
import { readBodyBytes } from "@/lib/http/read-body";
import type { GenerationStream } from "@/lib/inference/generation";
import { elapsedMs, type InferenceOptions, type InferencePrincipal } from "@/lib/inference/metering";
import { logRefusedRequest } from "@/lib/inference/refused-requests";
import { requestRefused } from "@/lib/inference/request-telemetry";
import { asDomainError, openAIErrorResponse } from "@/lib/inference/openai-errors";
import { eventStreamResponse } from "@/lib/inference/sse";
import { consumeRateLimit, rateLimitExceeded, rateLimitHeaders } from "@/lib/rate-limit";

/** JSON bodies: room for a long conversation with a 128k-token model, refusing anything absurd. */
export const MAX_JSON_BODY_BYTES = 4 * 1024 * 1024;

export interface V1Call {
  request: RequestHead;
  requestId: string;
  principal: InferencePrincipal;
  apiKey: ApiKeyPrincipal;
  /** What the core needs from the route: the client's signal, our request id, and word of the hold. */
  options: InferenceOptions;
}

// The model a request's body names, read by the body readers below: a request refused before it
// reaches the core is logged with it.
const modelNamedBy = new WeakMap<RequestHead, string>();

function noteModel(request: RequestHead, model: unknown): void {
  if (typeof model === "string" && model.length > 0) modelNamedBy.set(request, model.slice(0, 256));
}

type RouteContext<Params> = { params: Promise<Params> };

/** What a handler answers: a Response, or a JSON body (200) or an event stream to be sent as such. */
export type V1Answer = Response | { json: unknown } | { events: GenerationStream };

/** An answer with the frame's headers (x-request-id, x-ratelimit-*); a Response carries them itself. */
export type FramedAnswer = Response | (({ json: unknown } | { events: GenerationStream }) & { headers: Record<string, string> });

/** A route handler as Next.js calls it, with `answer` for server.ts: the same, without making a Response. */
export type V1RouteHandler<Params> = ((request: Request, context: RouteContext<Params>) => Promise<Response>) & {
  answer(request: RequestHead, context: RouteContext<Params>): Promise<FramedAnswer>;
};

function framed(answer: V1Answer, headers: Record<string, string>): FramedAnswer {
  if (!(answer instanceof Response)) return { ...answer, headers };
  for (const [name, value] of Object.entries(headers)) answer.headers.set(name, value);
  return answer;
}

function toResponse(answer: FramedAnswer): Response {
  if (answer instanceof Response) return answer;
  return "json" in answer ? Response.json(answer.json, { headers: answer.headers }) : eventStreamResponse(answer.events, answer.headers);
}

export interface V1RouteOptions {
  /**
   * Every way this route can succeed reserves credit first. Its key may then come from the
   * recent-keys cache: the reserve statement re-checks it, and any error answer is re-checked
   * against the database before it is sent.
   */
  reservesCredit?: boolean;
}

export function v1Route<Params = Record<string, never>>(
  handler: (call: V1Call, params: Params) => Promise<V1Answer>,
  options: V1RouteOptions = {},
): V1RouteHandler<Params> {
  const answer = async (request: RequestHead, context: RouteContext<Params>): Promise<FramedAnswer> => {
    const startedAt = performance.now();
    const requestId = newRequestId();
    const headers: Record<string, string> = { "x-request-id": requestId };
    const authorization = request.headers.get("authorization");
    const recentKey = options.reservesCredit ? recentlyAuthenticatedApiKey(authorization) : null;
    let apiKey: ApiKeyPrincipal | null = null;
    let opened = false;
    try {
      apiKey = recentKey ?? (await authenticateApiKey(authorization));
      const limit = await consumeRateLimit(`api-key:${apiKey.apiKeyId}`, apiKey.rateLimitRpm);
      Object.assign(headers, rateLimitHeaders(limit));
      if (!limit.allowed) throw rateLimitExceeded(limit);
      // One account's keys together: more keys must not buy a higher rate. The headers describe
      // whichever limit is closer to refusing.
      const accountLimit = await consumeRateLimit(`account:${apiKey.userId}`, env().ACCOUNT_RATE_LIMIT_RPM);
      if (!accountLimit.allowed || accountLimit.remaining < limit.remaining) Object.assign(headers, rateLimitHeaders(accountLimit));
      if (!accountLimit.allowed) throw rateLimitExceeded(accountLimit, "account");
      const principal: InferencePrincipal = { userId: apiKey.userId, apiKeyId: apiKey.apiKeyId, source: "API", keySpendLimited: apiKey.spendLimit !== null };
      const callOptions: InferenceOptions = { signal: request.signal, requestId, onOpened: () => (opened = true) };
      return framed(await handler({ request, requestId, principal, apiKey, options: callOptions }, await context.params), headers);
    } catch (error) {
      // A key taken from the cache may have been revoked since: that, not the error at hand, is
      // what the caller must hear (a revoked key's bad request is a 401, not a 400).
      const keyError = recentKey
        ? await authenticateApiKey(authorization).then(
            () => null,
            (authError: unknown) => authError,
          )
        : null;
      // As the client is told it (an unreachable database is a 503 service_unavailable), for the log too.
      const refusal = asDomainError(keyError ?? error);
      // A request that never reached its hold has no log row yet; its key's owner sees it anyway.
      const response = openAIErrorResponse(refusal, headers);
      const owner = refusal instanceof RefusedKeyError ? refusal.key : keyError === null ? apiKey : null;
      if (!opened) {
        const endpoint = new URL(request.url).pathname;
        const errorCode = isDomainError(refusal) ? refusal.code : "internal_error";
        const latencyMs = elapsedMs(startedAt);
        if (owner) {
          const modelId = modelNamedBy.get(request) ?? null;
          logRefusedRequest({
            requestId,
            userId: owner.userId,
            apiKeyId: owner.apiKeyId,
            modelId,
            endpoint,
            httpStatus: response.status,
            errorCode,
            latencyMs,
          });
        } else requestRefused(requestId, endpoint, response.status, errorCode, latencyMs);
      }
      return response;
    }
  };
  return Object.assign(async (request: Request, context: RouteContext<Params>) => toResponse(await answer(request, context)), { answer });
}

function mediaType(request: RequestHead): string {
  return (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

const utf8 = new TextDecoder();

/** The parsed JSON body. A missing Content-Type is tolerated; a different one is a 415. */
export async function readJsonBody(request: RequestHead, limitBytes = MAX_JSON_BODY_BYTES): Promise<unknown> {
  const type = mediaType(request);
  if (type !== "" && type !== "application/json" && !type.endsWith("+json")) {
    throw new DomainError(
      "unsupported_media_type",
      `Content-Type must be application/json (got ${type}). Send the request body as JSON with -H "Content-Type: application/json".`,
    );
  }
  const bytes = await readBodyBytes(request, limitBytes);
  try {
    const body = JSON.parse(utf8.decode(bytes)) as unknown;
    if (typeof body === "object" && body !== null) noteModel(request, (body as { model?: unknown }).model);
    return body;
  } catch {
    throw new DomainError(
      "invalid_request",
      "We could not parse the JSON body of your request. The API expects a JSON payload, but what was sent was not valid JSON.",
    );
  }
}

/** The parsed multipart/form-data body; anything else is a 415. */
export async function readMultipartBody(request: RequestHead, limitBytes: number): Promise<FormData> {
  const contentType = request.headers.get("content-type") ?? "";
  if (mediaType(request) !== "multipart/form-data") {
    throw new DomainError("unsupported_media_type", 'Content-Type must be multipart/form-data, with the audio in a field named "file".');
  }
  const bytes = await readBodyBytes(request, limitBytes);
  try {
    const form = await new Response(bytes, { headers: { "content-type": contentType } }).formData();
    noteModel(request, form.get("model"));
    return form;
  } catch {
    throw new DomainError("invalid_request", "The multipart/form-data body could not be parsed.");
  }
}

/** Where links we hand out should point: the configured public URL (lib/auth/public-origin.ts). */
export function publicOrigin(request: RequestHead): string {
  return publicOriginFor(request.headers);
}
