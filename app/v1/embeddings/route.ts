import { createEmbeddings } from "@/lib/inference/embeddings";
import { readJsonBody, v1Route } from "@/lib/inference/v1-handler";

export const POST = v1Route(
  async ({ request, principal, options }) => {
    const { body } = await createEmbeddings(principal, await readJsonBody(request), options);
    return { json: body };
  },
  { reservesCredit: true },
);
