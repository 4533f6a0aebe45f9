import { retrieveModelResponse } from "@/lib/inference/model-list";
import { v1Route } from "@/lib/inference/v1-handler";

export const dynamic = "force-dynamic";

/** Segments arrive decoded, except an encoded slash inside one (the OpenAI SDKs encode the id). */
function segmentText(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// Model ids contain slashes (meta-llama/Llama-3.1-8B-Instruct), hence the catch-all segment.
export const GET = v1Route<{ id: string[] }>(async (_call, { id }) => Response.json(await retrieveModelResponse(id.map(segmentText).join("/"))));
