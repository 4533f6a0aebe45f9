// Turns whatever the gateway core threw into the failure the playground shows: the same status,
// code and message the /v1 API would have answered with (one error vocabulary for both).
import { toOpenAIError } from "@/lib/inference/openai-errors";
import type { RequestError, RequestFailure } from "@/components/playground/request-error";

export function toRequestError(error: unknown): RequestError {
  const { status, body, headers } = toOpenAIError(error);
  const retryAfter = Number(headers["retry-after"]);
  return { status, code: body.error.code, message: body.error.message, ...(retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}) };
}

export function requestFailure(error: unknown): RequestFailure {
  return { ok: false, error: toRequestError(error) };
}
