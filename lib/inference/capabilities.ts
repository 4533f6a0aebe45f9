// What a chat model accepts beyond plain text (and an embedding model's vector length), as its
// registry row declares it (Model.capabilities, seeded from prisma/models.json). A request that
// needs something its model lacks is refused with a 400 naming the parameter and the model, before
// any credit is held; GET /v1/models/{id} and the Models page show the same facts.
import { z } from "zod";
import { DomainError } from "@/lib/errors";

export const capabilitiesSchema = z.strictObject({
  /** tools, tool_choice, parallel_tool_calls (and the deprecated functions). */
  tools: z.boolean().default(false),
  /** response_format json_object and json_schema. */
  json: z.boolean().default(false),
  /** image_url content parts. */
  vision: z.boolean().default(false),
  /** input_audio content parts. */
  audioIn: z.boolean().default(false),
  /** logprobs and top_logprobs. */
  logprobs: z.boolean().default(false),
  /** The most choices one request may ask for (n). */
  maxN: z.number().int().min(1).max(128).default(1),
  /** The model's pricing rule for an image input: the prompt tokens one image counts as, at most. */
  imageInputTokens: z.number().int().positive().default(1_600),
  /** An embedding model's vector length. */
  dimensions: z.number().int().positive().max(65_536).nullable().default(null),
  /** An embedding model that makes shorter vectors when asked (`dimensions` from 1 to its own length). */
  adjustableDimensions: z.boolean().default(false),
});

export type ModelCapabilities = z.output<typeof capabilitiesSchema>;

export const NO_CAPABILITIES: ModelCapabilities = capabilitiesSchema.parse({});

/** Capabilities as GET /v1/models/{id} shows them. */
export function capabilitiesBody(capabilities: ModelCapabilities) {
  return {
    tools: capabilities.tools,
    json_mode: capabilities.json,
    structured_outputs: capabilities.json,
    vision: capabilities.vision,
    audio_input: capabilities.audioIn,
    logprobs: capabilities.logprobs,
    max_n: capabilities.maxN,
  };
}

/** What a chat request asks of its model beyond text. */
export interface CapabilityNeeds {
  tools: string | null;
  json: string | null;
  vision: string | null;
  audioIn: string | null;
  logprobs: string | null;
  n: number;
}

const WHAT: Record<Exclude<keyof CapabilityNeeds, "n">, string> = {
  tools: "tool calling",
  json: "JSON mode and structured outputs",
  vision: "image inputs",
  audioIn: "audio inputs",
  logprobs: "log probabilities",
};

/** Throws the 400 for the first thing the request needs that the model lacks. */
export function requireCapabilities(modelId: string, capabilities: ModelCapabilities, needs: CapabilityNeeds): void {
  for (const need of ["tools", "json", "vision", "audioIn", "logprobs"] as const) {
    const param = needs[need];
    if (param !== null && !capabilities[need]) {
      throw new DomainError("invalid_request", `${modelId} does not support ${WHAT[need]} ('${param}'). GET /v1/models/${modelId} lists what it supports.`, {
        param,
      });
    }
  }
  if (needs.n > capabilities.maxN) {
    throw new DomainError(
      "invalid_request",
      `${modelId} returns at most ${capabilities.maxN} choice${capabilities.maxN === 1 ? "" : "s"} per request (n = ${needs.n}).`,
      { param: "n" },
    );
  }
}
