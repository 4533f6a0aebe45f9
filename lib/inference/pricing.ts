// What a request costs, from the model's prices. The same functions price the reservation (with
// the most a request can use) and the settlement (with what it used), so the settled cost can
// never exceed the hold for the same usage.
import { perMillion } from "@/lib/credits/money";
import type { ModelPrices } from "@/lib/inference/registry";
import type { TokenUsage } from "@/lib/inference/providers/types";

export function chatCost(prices: ModelPrices, usage: TokenUsage): bigint {
  return perMillion(usage.promptTokens, prices.inputPerMillion) + perMillion(usage.completionTokens, prices.outputPerMillion);
}

/** Input tokens alone: embeddings. */
export function inputTokenCost(prices: ModelPrices, tokens: number): bigint {
  return perMillion(tokens, prices.inputPerMillion);
}

export function imageCost(prices: ModelPrices, size: string, count: number): bigint {
  const each = prices.perImage.get(size);
  if (each === undefined) throw new Error(`No price for ${size} images`);
  return each * BigInt(count);
}

/** Audio is billed by the millisecond at the per-minute price, rounded up to a whole nano-dollar. */
export function audioCost(prices: ModelPrices, seconds: number): bigint {
  const milliseconds = BigInt(Math.ceil(Math.max(0, seconds) * 1000));
  return (milliseconds * prices.perAudioMinute + 59_999n) / 60_000n;
}

/** Characters are billed at the per-1M-characters price, rounded up to a whole nano-dollar. */
export function characterCost(prices: ModelPrices, characters: number): bigint {
  return perMillion(characters, prices.perMillionCharacters);
}

// Chat templates wrap every message in a few special tokens (Llama 3: a header, the role, two
// newlines and an end-of-turn) and end the prompt with the assistant's header: a bound for a
// conversation of up to this many tokens of framing, added to the one-token-per-byte bound.
export const PROMPT_TEMPLATE_TOKEN_BOUND = 512;

// English averages about four bytes per token for the tokenizers of the models we serve.
const TYPICAL_BYTES_PER_TOKEN = 4;

/** A fair guess of a prompt's tokens from its size: what a stream's checkpoints bill until real usage arrives. */
export function typicalPromptTokens(promptBytes: number): number {
  return Math.ceil(promptBytes / TYPICAL_BYTES_PER_TOKEN);
}
