import { createImages } from "@/lib/inference/images";
import { publicOrigin, readJsonBody, v1Route } from "@/lib/inference/v1-handler";

export const POST = v1Route(
  async ({ request, principal, options }) => {
    const { body } = await createImages(principal, await readJsonBody(request), { ...options, publicOrigin: publicOrigin(request) });
    return Response.json(body);
  },
  { reservesCredit: true },
);
