// The domain's error vocabulary. lib/ throws these; app/v1 maps them to OpenAI-shaped errors
// (lib/inference/openai-errors.ts) and server actions to sentences for forms (lib/form-errors.ts).

export type DomainErrorCode =
  | "invalid_request"
  | "unauthenticated"
  | "insufficient_quota"
  | "key_limit_reached"
  | "not_found"
  | "model_not_found"
  | "rate_limited"
  | "payload_too_large"
  | "unsupported_media_type"
  | "upstream_error"
  | "upstream_unavailable"
  | "upstream_timeout"
  | "service_unavailable"
  | "not_configured"
  | "conflict";

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: { param?: string | null; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
