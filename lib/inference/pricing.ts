// What a request costs, from the model's prices. The same functions price the reservation (with
// the most a request can use) and the settlement (with what it used), so the settled cost can
// never exceed the hold for the same usage.
import { perMillion } from "@/lib/credits/money";
import type { ModelPrices } from "@/lib/inference/registry";
import type { ChatMessage, TokenUsage } from "@/lib/inference/providers/types";

export function chatCost(prices: ModelPrices, usage: TokenUsage): bigint {
  return perMillion(usage.promptTokens, prices.inputPerMillion) + perMillion(usage.completionTokens, prices.outputPerMillion);
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

// Chat templates wrap every message in a few special tokens (Llama 3: a header, the role, two
// newlines and an end-of-turn), and the prompt ends with the assistant's header.
const TEMPLATE_TOKENS_PER_MESSAGE = 8;
const TEMPLATE_TOKENS_PER_PROMPT = 8;
// English averages about four bytes per token for the tokenizers of the models we serve.
const TYPICAL_BYTES_PER_TOKEN = 4;

const utf8 = new TextEncoder();

/**
 * Prompt tokens of an upstream model, for which we have no tokenizer. "upper-bound" counts one
 * token per UTF-8 byte — no byte-level BPE tokenizer can do worse — and is what we reserve;
 * "typical" is what we bill when the upstream could not tell us (the client hung up mid-stream).
 */
export function estimatePromptTokens(messages: readonly ChatMessage[], mode: "upper-bound" | "typical"): number {
  const perByte = mode === "upper-bound" ? 1 : 1 / TYPICAL_BYTES_PER_TOKEN;
  let tokens = TEMPLATE_TOKENS_PER_PROMPT;
  for (const message of messages) {
    const bytes = utf8.encode(message.content).length + (message.name ? utf8.encode(message.name).length : 0);
    tokens += TEMPLATE_TOKENS_PER_MESSAGE + Math.ceil(bytes * perByte);
  }
  return tokens;
}
