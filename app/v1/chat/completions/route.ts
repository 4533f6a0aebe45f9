import { createChatCompletion } from "@/lib/inference/generation";
import { eventStreamResponse } from "@/lib/inference/sse";
import { readJsonBody, v1Route } from "@/lib/inference/v1-handler";

export const POST = v1Route(async ({ request, principal, options }) => {
  const result = await createChatCompletion(principal, await readJsonBody(request), options);
  return result.stream ? eventStreamResponse(result.events) : Response.json(result.response);
}, { reservesCredit: true });
