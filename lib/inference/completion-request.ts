// The request body of POST /v1/completions, OpenAI's legacy text completions, validated once here.
// As for chat (chat-request.ts), every field is passed to upstream servers unchanged, unknown
// vendor fields included; the request is checked for types and sizes only.
import { z } from "zod";
import { type ParsedGeneration, sharedGenerationFields, stopSequences, streamOptionsNeedStream } from "@/lib/inference/generation-request";
import { parseRequest } from "@/lib/inference/request-fields";

const MAX_PROMPTS = 64;

const tokenIds = z.array(z.number().int().min(0)).min(1);
const prompt = z.union([z.string(), z.array(z.string()).min(1).max(MAX_PROMPTS), tokenIds, z.array(tokenIds).min(1).max(MAX_PROMPTS)], {
  error: "expected a string, an array of strings, an array of token ids, or an array of token id arrays",
});

const completionRequestSchema = z
  .looseObject({
    ...sharedGenerationFields,
    prompt,
    suffix: z.string().nullish(),
    max_tokens: z.number().int().min(0).nullish(),
    best_of: z.number().int().min(0).max(128).nullish(),
    logprobs: z.number().int().min(0).max(5).nullish(),
    echo: z.boolean().nullish(),
  })
  .refine(...streamOptionsNeedStream)
  .refine((body) => body.best_of == null || body.n == null || body.best_of >= body.n, { path: ["best_of"], message: "best_of must be at least n" });

/** OpenAI's default when max_tokens is omitted. */
export const DEFAULT_COMPLETION_MAX_TOKENS = 16;

const utf8 = new TextEncoder();

export function parseCompletionRequest(input: unknown): ParsedGeneration {
  const body = parseRequest(completionRequestSchema, input);
  const prompts: (string | number[])[] =
    typeof body.prompt === "string" ? [body.prompt] : typeof body.prompt[0] === "number" ? [body.prompt as number[]] : (body.prompt as (string | number[])[]);
  // Token ids count one each; text counts its bytes, as for chat.
  const promptBytes =
    prompts.reduce((sum, p) => sum + (typeof p === "string" ? utf8.encode(p).length : p.length), 0) + (body.suffix ? utf8.encode(body.suffix).length : 0);
  const perPrompt = Math.max(body.n ?? 1, body.best_of ?? 1);
  const maxTokens = body.max_tokens ?? DEFAULT_COMPLETION_MAX_TOKENS;
  const textPrompt = typeof prompts[0] === "string" ? prompts[0] : "";
  return {
    model: body.model,
    includeUsage: body.stream_options?.include_usage === true,
    maxTokens,
    maxTokensParam: "max_tokens",
    choices: prompts.length * perPrompt,
    needs: {
      tools: null,
      json: null,
      vision: null,
      audioIn: null,
      logprobs: body.logprobs != null ? "logprobs" : null,
      n: prompts.length * perPrompt,
    },
    promptBytes,
    images: 0,
    audioBytes: 0,
    request: {
      kind: "completion",
      body: { ...body, max_tokens: maxTokens } as Record<string, unknown>,
      stream: body.stream === true,
      params: {
        // A local chat engine continues the prompt as the user's message: it has no raw mode.
        messages: [{ role: "user", content: textPrompt }],
        maxTokens,
        temperature: body.temperature ?? undefined,
        topP: body.top_p ?? undefined,
        seed: body.seed ?? undefined,
        stop: stopSequences(body.stop),
      },
    },
  };
}
