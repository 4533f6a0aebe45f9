import { listModelsResponse } from "@/lib/inference/model-list";
import { v1Route } from "@/lib/inference/v1-handler";

export const dynamic = "force-dynamic";

export const GET = v1Route(async () => Response.json(await listModelsResponse()));
