// Any /v1 path we do not serve (e.g. /v1/moderations) gets OpenAI's JSON 404 rather than an HTML
// page, so that SDKs raise NotFoundError with a readable message.
import { DomainError } from "@/lib/errors";
import { openAIErrorResponse } from "@/lib/inference/openai-errors";

function invalidUrl(request: Request): Response {
  const { pathname } = new URL(request.url);
  return openAIErrorResponse(new DomainError("not_found", `Invalid URL (${request.method} ${pathname}). EcoLink serves /v1/chat/completions, /v1/completions, /v1/embeddings, /v1/images/generations, /v1/audio/speech, /v1/audio/transcriptions, /v1/audio/translations, /v1/models and /v1/me.`));
}

export const GET = invalidUrl;
export const POST = invalidUrl;
export const PUT = invalidUrl;
export const PATCH = invalidUrl;
export const DELETE = invalidUrl;
