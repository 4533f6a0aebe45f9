// Building blocks of the request schemas of every endpoint (chat-request.ts, images.ts,
// transcriptions.ts), so that all of them treat unsupported OpenAI fields the same way.
import { z } from "zod";
import { DomainError } from "@/lib/errors";
import { zodErrorToDomainError } from "@/lib/inference/openai-errors";

/** An OpenAI field we do not implement, accepted only when absent, null or its "off" value. */
export function onlyOff(isOff: (value: unknown) => boolean, message: string) {
  return z
    .unknown()
    .optional()
    .refine((value) => value === undefined || value === null || isOff(value), { message });
}

/** For onlyOff: a field with no "off" value (any value is refused). */
export const noValueAccepted = () => false;

/** Parses `input`, turning a validation failure into the 400 DomainError that names the parameter. */
export function parseRequest<Schema extends z.ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw zodErrorToDomainError(parsed.error);
  return parsed.data;
}

/**
 * Throws OpenAI's "Missing required parameter" for the first of `names` that `body` lacks: for
 * required fields of several shapes (unions), whose own complaint about a missing value is vaguer.
 */
export function requireFields(body: unknown, names: readonly string[]): void {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return;
  const missing = names.find((name) => (body as Record<string, unknown>)[name] === undefined);
  if (missing) throw new DomainError("invalid_request", `Missing required parameter: '${missing}'.`, { param: missing });
}
