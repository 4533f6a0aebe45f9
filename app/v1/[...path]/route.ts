// Any /v1 path we do not serve gets OpenAI's JSON 404 rather than an HTML page, so that SDKs raise
// NotFoundError with a readable message. (In production server.ts answers these itself; this is
// what `next dev` serves.)
import { invalidV1Url, openAIErrorResponse } from "@/lib/inference/openai-errors";

function invalidUrl(request: Request): Response {
  return openAIErrorResponse(invalidV1Url(request.method, new URL(request.url).pathname));
}

export const GET = invalidUrl;
export const POST = invalidUrl;
export const PUT = invalidUrl;
export const PATCH = invalidUrl;
export const DELETE = invalidUrl;
