import { createEmbeddings } from "@/lib/inference/embeddings";
import { readJsonBody, v1Route } from "@/lib/inference/v1-handler";

export const POST = v1Route(async ({ request, requestId, principal }) => {
  const { body } = await createEmbeddings(principal, await readJsonBody(request), { signal: request.signal, requestId });
  return Response.json(body);
}, { reservesCredit: true });
