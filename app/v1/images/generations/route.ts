import { createImages } from "@/lib/inference/images";
import { publicOrigin, readJsonBody, v1Route } from "@/lib/inference/v1-handler";

export const POST = v1Route(async ({ request, requestId, principal }) => {
  const { body } = await createImages(principal, await readJsonBody(request), { signal: request.signal, requestId, publicOrigin: publicOrigin(request) });
  return Response.json(body);
}, { reservesCredit: true });
