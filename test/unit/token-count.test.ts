import { describe, expect, it } from "vitest";

import { countChatPromptTokens, countTokens, tokenizerFor } from "@/lib/inference/token-count";

describe("token counting", () => {
  it("picks llama3 for Llama 3.x models and o200k (the approximation) for everything else", () => {
    for (const model of [
      "meta-llama/Llama-3.1-8B-Instruct",
      "meta-llama/Llama-3.3-70B-Instruct",
      "llama-3.2-3b-preview",
      "llama3.2:3b",
      "Meta-Llama-3-8B-Instruct",
    ]) {
      expect(tokenizerFor(model), model).toBe("llama3");
    }
    for (const model of ["gpt-4o-mini", "mistralai/Mistral-7B-Instruct-v0.3", "meta-llama/Llama-2-7b-chat-hf", "llama-30b", "ecolink-tiny-chat"]) {
      expect(tokenizerFor(model), model).toBe("o200k");
    }
  });

  it("counts Llama 3 tokens as the tokenizer's documented example does", async () => {
    // llama3-tokenizer-js README: encode("Hello world!", { bos: false, eos: false }) → [9906, 1917, 0].
    expect(await countTokens("llama3", "Hello world!")).toBe(3);
    expect(await countTokens("llama3", "")).toBe(0);
    // A special token written in the text is one token, as the inference server parses it.
    expect(await countTokens("llama3", "<|eot_id|>")).toBe(1);
    expect(await countTokens("llama3", "The quick brown fox jumps over the lazy dog.")).toBe(10);
  });

  it("counts o200k tokens as tiktoken does", async () => {
    // tiktoken o200k_base: "hello world" → [24912, 2375], "Hello world" → [13225, 2375].
    expect(await countTokens("o200k", "hello world")).toBe(2);
    expect(await countTokens("o200k", "Hello world")).toBe(2);
    expect(await countTokens("o200k", "")).toBe(0);
    // Special-token text in user content is plain text (the library would throw by default).
    expect(await countTokens("o200k", "<|endoftext|>")).toBeGreaterThan(1);
  });

  it("counts a Llama 3.1 chat prompt: the template's system preamble, one header + content + end of turn per message, the reply's header", async () => {
    const empty = await countChatPromptTokens("llama3", []);
    // <|begin_of_text|>, system header (start, "system", end, "\n\n"), "Cutting Knowledge Date: December
    // 2023\nToday Date: 26 Jul 2024\n\n", <|eot_id|>, assistant header (4).
    const preamble = await countTokens("llama3", "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n");
    expect(empty).toBe(1 + 4 + preamble + 1 + 4);
    // A user turn adds its header (4), its content ("Hello world!": 3) and <|eot_id|>.
    expect(await countChatPromptTokens("llama3", [{ role: "user", content: "Hello world!" }])).toBe(empty + 4 + 3 + 1);
    // A leading system message goes into the system turn the template always has, trimmed.
    expect(
      await countChatPromptTokens("llama3", [
        { role: "system", content: " Hello world! " },
        { role: "user", content: "Hello world!" },
      ]),
    ).toBe(empty + 3 + 4 + 3 + 1);
  });

  it("counts an OpenAI-style chat prompt: 3 per message plus role and content, plus 3 for the reply", async () => {
    expect(await countChatPromptTokens("o200k", [])).toBe(3);
    // "user" is 1 token and "Hello world" 2: 3 + 1 + 2, plus 3.
    expect(await countChatPromptTokens("o200k", [{ role: "user", content: "Hello world" }])).toBe(9);
    expect(
      await countChatPromptTokens("o200k", [
        { role: "system", content: "hello world" },
        { role: "user", content: "Hello world" },
      ]),
    ).toBe(3 + (3 + 1 + 2) + (3 + 1 + 2));
  });
});
