// What the gateway core needs to know of a text generation request, chat or legacy completion,
// once its body is validated (chat-request.ts, completion-request.ts): what to forward, what the
// model must support, and the cheap facts its hold is priced from.
import { z } from "zod";
import type { CapabilityNeeds } from "@/lib/inference/capabilities";
import type { GenerationRequest } from "@/lib/inference/providers/types";

export interface ParsedGeneration {
  /** Our model id, as the client named it. */
  model: string;
  request: GenerationRequest;
  /** The client asked for the usage chunk at the end of its stream. */
  includeUsage: boolean;
  /** Output tokens per choice the client allows; null: as many as the model allows. */
  maxTokens: number | null;
  /** Which parameter set maxTokens, for the error when it is too large. */
  maxTokensParam: string;
  /** How many choices the backend generates (n, or prompts × best_of for completions). */
  choices: number;
  needs: CapabilityNeeds;
  /** UTF-8 bytes of the text a tokenizer reads (messages, tool definitions, schemas). */
  promptBytes: number;
  images: number;
  /** Decoded bytes of input_audio parts. */
  audioBytes: number;
}

/** The fields chat and legacy completions share, checked alike (chat-request.ts, completion-request.ts). */
export const sharedGenerationFields = {
  model: z.string().min(1).max(256),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)], { error: "expected a string or an array of at most 4 strings" }).nullish(),
  n: z.number().int().min(1).max(128).nullish(),
  seed: z.number().int().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish(), include_obfuscation: z.boolean().nullish() }).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  logit_bias: z.record(z.string().regex(/^\d+$/, "expected token ids as keys"), z.number().min(-100).max(100)).nullish(),
  user: z.string().max(512).nullish(),
};

/** For .refine(): stream_options belongs to streams only, as OpenAI has it. */
export const streamOptionsNeedStream: [(body: { stream?: boolean | null; stream_options?: unknown }) => boolean, { path: string[]; message: string }] = [
  (body) => body.stream === true || body.stream_options == null,
  { path: ["stream_options"], message: "stream_options is only allowed when stream is true" },
];

/** `stop` as a list of its non-empty strings; undefined when it has none. */
export function stopSequences(stop: string | string[] | null | undefined): string[] | undefined {
  const sequences = stop == null ? [] : (Array.isArray(stop) ? stop : [stop]).filter((s) => s.length > 0);
  return sequences.length ? sequences : undefined;
}
