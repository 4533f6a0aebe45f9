// Embeddings, for POST /v1/embeddings and the playground: validate OpenAI's CreateEmbeddingRequest,
// bound its tokens from its bytes (and token ids), hold that, embed, settle what the backend
// counted, and answer OpenAI's list of vectors. Upstreams get the client's body with the model
// renamed and float vectors asked for (vendor fields such as TEI's `truncate` pass through); a
// client that asked for base64 gets the vectors as little-endian float32 bytes, as OpenAI sends them.
//
// Billing is per input token. The upstream's usage.prompt_tokens is charged; when it reports none,
// and for the local demo model (which has no tokenizer of its own), the tokens are counted here
// (lib/inference/token-count.ts: Llama 3's vocabulary for Llama models, OpenAI's o200k for every
// other, an approximation) and the log says so (usageCounted).
import "server-only";
import { z } from "zod";
import { nanosToUsdNumber } from "@/lib/credits/money";
import { DomainError } from "@/lib/errors";
import { meteredCall, type BilledUsage, type InferenceOptions, type InferencePrincipal, type MeteredAnswer } from "@/lib/inference/metering";
import { inputTokenCost } from "@/lib/inference/pricing";
import { providerFor } from "@/lib/inference/providers";
import type { EmbeddingInputs, EmbeddingOutput } from "@/lib/inference/providers/types";
import { parseRequest, requireFields } from "@/lib/inference/request-fields";
import { requireModel, type RegisteredModel } from "@/lib/inference/registry";
import { countTokens } from "@/lib/inference/token-count";
import { tokenizerOf } from "@/lib/inference/usage-count";

export const EMBEDDINGS_ENDPOINT = "/v1/embeddings";
/** OpenAI's limit on the inputs of one request. */
export const MAX_EMBEDDING_INPUTS = 2048;
// Tokenizers add a few special tokens to each input (BGE-M3: <s> and </s>).
const SPECIAL_TOKENS_PER_INPUT = 4;
// A text input longer than this many bytes per token of the model's context is refused before
// anything is held: no text we know of averages more bytes per token. Inputs under it that are
// still too long are refused by the backend (upstream) or by our count (local), at no cost.
const MAX_BYTES_PER_TOKEN = 16;
const MAX_TOKEN_ID = 2 ** 31 - 1;

const tokenIds = z.array(z.number().int().min(0).max(MAX_TOKEN_ID));

// The policy of chat-request.ts: types and sizes are checked, unknown fields pass to upstreams.
const embeddingRequestSchema = z.looseObject({
  model: z.string().min(1).max(256),
  input: z.union([z.string(), z.array(z.string()), tokenIds, z.array(tokenIds)], {
    error: "expected a string, an array of strings, an array of token ids or an array of arrays of token ids",
  }),
  encoding_format: z.enum(["float", "base64"]).nullish(),
  dimensions: z.number().int().min(1).nullish(),
  user: z.string().max(512).nullish(),
});

type EmbeddingBody = z.output<typeof embeddingRequestSchema>;

export interface EmbeddingsResponse {
  object: "list";
  data: { object: "embedding"; index: number; embedding: number[] | string }[];
  model: string;
  /** `cost` (dollars charged) is an EcoLink extension of OpenAI's usage object. */
  usage: { prompt_tokens: number; total_tokens: number; cost: number };
}

/** The name of an input in error messages: `input` when the request sent just one, else `input[i]`. */
function inputParam(body: EmbeddingBody, index: number): string {
  const single = typeof body.input === "string" || typeof body.input[0] === "number";
  return single ? "input" : `input[${index}]`;
}

/** The inputs, one per vector: a single string or token array becomes a list of one. */
function inputsOf(input: EmbeddingBody["input"]): EmbeddingInputs {
  if (typeof input === "string") return { kind: "text", texts: [input] };
  if (input.length === 0) throw new DomainError("invalid_request", "'input' must not be an empty array.", { param: "input" });
  if (typeof input[0] === "number") return { kind: "tokens", ids: [input as number[]] };
  if (typeof input[0] === "string") return { kind: "text", texts: input as string[] };
  return { kind: "tokens", ids: input as number[][] };
}

const utf8 = new TextEncoder();

/**
 * The most tokens the inputs can count as, from cheap facts only (one token per byte, a token id
 * is a token), checking each input's size against the model's context on the way.
 */
function tokenBound(model: RegisteredModel, inputs: EmbeddingInputs, body: EmbeddingBody): number {
  const items = inputs.kind === "text" ? inputs.texts : inputs.ids;
  if (items.length > MAX_EMBEDDING_INPUTS) {
    throw new DomainError("invalid_request", `'input' has ${items.length} items; one request embeds at most ${MAX_EMBEDDING_INPUTS}.`, { param: "input" });
  }
  const context = model.contextLength;
  let bound = 0;
  items.forEach((item, index) => {
    const param = inputParam(body, index);
    let size: number;
    if (typeof item === "string") {
      size = utf8.encode(item).length;
      if (size === 0) throw new DomainError("invalid_request", `'${param}' is empty; every input needs some text.`, { param });
      if (context !== null && size > context * MAX_BYTES_PER_TOKEN) {
        throw new DomainError("invalid_request", `'${param}' is too long: ${model.id} takes at most ${context} tokens per input.`, { param });
      }
    } else {
      size = item.length;
      if (size === 0) throw new DomainError("invalid_request", `'${param}' is empty; every input needs at least one token.`, { param });
      if (context !== null && size > context) {
        throw new DomainError("invalid_request", `'${param}' has ${size} tokens; ${model.id} takes at most ${context} tokens per input.`, { param });
      }
    }
    bound += size + SPECIAL_TOKENS_PER_INPUT;
  });
  return bound;
}

/** The vector length the request may ask for, or a 400 naming `dimensions`. */
function checkedDimensions(model: RegisteredModel, asked: number | null | undefined): number | null {
  if (asked == null) return null;
  const own = model.capabilities.dimensions;
  if (!model.capabilities.adjustableDimensions) {
    const length = own === null ? "vectors of its own length" : `${own}-dimensional vectors`;
    throw new DomainError("invalid_request", `${model.id} only makes ${length}; it does not support 'dimensions'.`, { param: "dimensions" });
  }
  if (own !== null && asked > own) {
    throw new DomainError("invalid_request", `'dimensions' must be from 1 to ${own} for ${model.id}.`, { param: "dimensions" });
  }
  return asked;
}

/** Tokens of the inputs, counted here, for a backend that reported none. */
async function countedTokens(model: RegisteredModel, inputs: EmbeddingInputs, body: EmbeddingBody): Promise<number> {
  if (inputs.kind === "tokens") return inputs.ids.reduce((sum, ids) => sum + ids.length, 0);
  // The local engine tokenizes nothing: its inputs are billed in o200k tokens (its id names no family).
  const tokenizer = tokenizerOf(model);
  let total = 0;
  for (const [index, text] of inputs.texts.entries()) {
    const tokens = await countTokens(tokenizer, text);
    if (model.contextLength !== null && tokens > model.contextLength) {
      const param = inputParam(body, index);
      throw new DomainError("invalid_request", `'${param}' has ${tokens} tokens; ${model.id} takes at most ${model.contextLength} tokens per input.`, {
        param,
      });
    }
    total += tokens;
  }
  return total;
}

/** The backend's vectors, checked: one per input, all of the length asked for (or the model's). */
function checkedVectors(model: RegisteredModel, output: EmbeddingOutput, count: number, dimensions: number | null): number[][] {
  const expected = dimensions ?? model.capabilities.dimensions ?? output.vectors[0]?.length ?? 0;
  if (output.vectors.length !== count || expected === 0 || output.vectors.some((vector) => vector.length !== expected)) {
    throw new DomainError("upstream_error", `The inference server for ${model.id} sent vectors of the wrong number or size. You were not charged.`);
  }
  return output.vectors;
}

/** Little-endian float32 bytes in base64, as OpenAI's encoding_format "base64". */
function base64Vector(vector: number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, i) => {
    bytes.writeFloatLE(value, i * 4);
  });
  return bytes.toString("base64");
}

/** Float32 precision, written with the 9 significant digits that carry all of it. */
function floatVector(vector: number[]): number[] {
  return vector.map((value) => Number(Math.fround(value).toPrecision(9)));
}

export async function createEmbeddings(
  principal: InferencePrincipal,
  input: unknown,
  options: InferenceOptions = {},
): Promise<MeteredAnswer<EmbeddingsResponse>> {
  const startedAt = performance.now();
  requireFields(input, ["model", "input"]);
  const body = parseRequest(embeddingRequestSchema, input);
  const inputs = inputsOf(body.input);
  const model = await requireModel(body.model, "EMBEDDING");
  const dimensions = checkedDimensions(model, body.dimensions);
  const bound = tokenBound(model, inputs, body);
  const count = inputs.kind === "text" ? inputs.texts.length : inputs.ids.length;
  const encode = body.encoding_format === "base64" ? base64Vector : floatVector;

  const hold = inputTokenCost(model.prices, bound);
  return meteredCall({ principal, modelId: model.id, endpoint: EMBEDDINGS_ENDPOINT, hold, options, startedAt }, async ({ signal }) => {
    const output = await providerFor(model).embed(model, { body, inputs, dimensions }, signal);
    const vectors = checkedVectors(model, output, count, dimensions);
    const tokens = output.promptTokens ?? (await countedTokens(model, inputs, body));
    const usage: BilledUsage = {
      cost: inputTokenCost(model.prices, tokens),
      inputTokens: tokens,
      outputTokens: 0,
      ...(output.promptTokens === null && { usageCounted: true }),
    };
    return {
      usage,
      answer: (charged) => ({
        object: "list" as const,
        data: vectors.map((vector, index) => ({ object: "embedding" as const, index, embedding: encode(vector) })),
        model: model.id,
        usage: { prompt_tokens: tokens, total_tokens: tokens, cost: nanosToUsdNumber(charged) },
      }),
    };
  });
}
