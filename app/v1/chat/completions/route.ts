import { createChatCompletion } from "@/lib/inference/generation";
import { readJsonBody, v1Route } from "@/lib/inference/v1-handler";

export const POST = v1Route(
  async ({ request, principal, options }) => {
    const result = await createChatCompletion(principal, await readJsonBody(request), options);
    return result.stream ? { events: result.events } : { json: result.response };
  },
  { reservesCredit: true },
);
