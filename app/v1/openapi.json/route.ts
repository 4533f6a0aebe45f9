// GET /v1/openapi.json: the OpenAPI document of this deployment's API (lib/openapi/ecolink-openapi.ts).
// Public like OpenAI's own spec: it describes the API, not anyone's account, so no key is needed
// and any origin may read it (API explorers and client generators run in browsers).
import { publicOriginFor } from "@/lib/auth/public-origin";
import { ecoLinkOpenAPIFor } from "@/lib/openapi/ecolink-openapi";

export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  return Response.json(ecoLinkOpenAPIFor(publicOriginFor(request.headers)), {
    headers: { "cache-control": "public, max-age=300", "access-control-allow-origin": "*" },
  });
}
