import { createCompletion } from "@/lib/inference/generation";
import { eventStreamResponse } from "@/lib/inference/sse";
import { readJsonBody, v1Route } from "@/lib/inference/v1-handler";

export const POST = v1Route(async ({ request, requestId, principal }) => {
  const result = await createCompletion(principal, await readJsonBody(request), { signal: request.signal, requestId });
  return result.stream ? eventStreamResponse(result.events) : Response.json(result.response);
}, { reservesCredit: true });
