import { describe, expect, it } from "vitest";
import { getTinyChatTokenizer } from "@/lib/inference/providers/local/tiny-chat/tokenizer";
import { encodeChatPrompt } from "@/lib/inference/providers/local/tiny-chat/chat-template";
import { audioCost, characterCost, chatCost, imageCost } from "@/lib/inference/pricing";
import { parseChatCompletionRequest } from "@/lib/inference/chat-request";
import { upstreamProvider } from "@/lib/inference/providers/upstream";
import type { ModelPrices } from "@/lib/inference/registry";

const prices: ModelPrices = {
  inputPerMillion: 180_000_000n,
  outputPerMillion: 600_000_000n,
  perImage: new Map([
    ["512x512", 1_000_000n],
    ["1024x1024", 3_000_000n],
  ]),
  perAudioMinute: 6_000_000n,
  perMillionCharacters: 15_000_000_000n,
};

describe("request pricing", () => {
  it("prices chat tokens per million, each side rounded up to a whole nano-dollar", () => {
    expect(chatCost(prices, { promptTokens: 1_000_000, completionTokens: 1_000_000 })).toBe(780_000_000n);
    expect(chatCost(prices, { promptTokens: 1, completionTokens: 0 })).toBe(180n);
    expect(chatCost(prices, { promptTokens: 3, completionTokens: 7 })).toBe(540n + 4_200n);
    expect(chatCost({ ...prices, inputPerMillion: 1n }, { promptTokens: 1, completionTokens: 0 })).toBe(1n);
    expect(chatCost(prices, { promptTokens: 0, completionTokens: 0 })).toBe(0n);
  });

  it("prices images by size times count, and knows no price for a size the model does not make", () => {
    expect(imageCost(prices, "1024x1024", 3)).toBe(9_000_000n);
    expect(() => imageCost(prices, "256x256", 1)).toThrow();
  });

  it("prices audio by the millisecond at the per-minute price, rounding up", () => {
    expect(audioCost(prices, 60)).toBe(6_000_000n);
    expect(audioCost(prices, 0.5)).toBe(50_000n);
    expect(audioCost(prices, 1.0001)).toBe(100_100n);
    expect(audioCost(prices, 0)).toBe(0n);
  });

  it("prices speech per million input characters, rounding up", () => {
    expect(characterCost(prices, 1_000_000)).toBe(15_000_000_000n);
    expect(characterCost(prices, 1)).toBe(15_000n);
    expect(characterCost({ ...prices, perMillionCharacters: 1n }, 1)).toBe(1n);
  });

  it("never holds fewer prompt tokens for an upstream than a real byte-level BPE tokenizer counts when reserving", () => {
    const tokenizer = getTinyChatTokenizer();
    const prompts = [
      [{ role: "user" as const, content: "Hello!" }],
      [
        { role: "system" as const, content: "You are a helpful assistant." },
        { role: "user" as const, content: "Résumé: naïve café — 東京 🚀🚀 ∑(x²)" },
      ],
      [{ role: "user" as const, content: "a1 b2 c3 ".repeat(500) }],
      [{ role: "assistant" as const, content: "" }],
    ];
    for (const messages of prompts) {
      const exact = encodeChatPrompt(messages, tokenizer).length;
      const parsed = parseChatCompletionRequest({ model: "m", messages });
      const bound = upstreamProvider.promptTokenBound(null as never, parsed.request, parsed.promptBytes);
      expect(bound).toBeGreaterThanOrEqual(exact);
    }
  });
});
