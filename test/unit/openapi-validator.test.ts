// The vendored part of OpenAI's spec (lib/openapi/openai-subset.json) is complete: every
// component the contract tests use compiles, with all it $refs, and still tells valid from invalid.
import { describe, expect, it } from "vitest";
import { OPENAI_COMPONENTS, openAIViolations } from "../support/openapi-validator";

describe("the vendored OpenAI spec", () => {
  it.each(OPENAI_COMPONENTS)("compiles %s with everything it refers to, and rejects an empty object", (component) => {
    expect(openAIViolations(component, {}).length).toBeGreaterThan(0);
  });

  it("accepts a chat completion and an error as OpenAI sends them", () => {
    const completion = {
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "m",
      choices: [{ index: 0, message: { role: "assistant", content: "Hi", refusal: null }, finish_reason: "stop", logprobs: null }],
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
    };
    expect(openAIViolations("CreateChatCompletionResponse", completion)).toEqual([]);
    expect(openAIViolations("CreateChatCompletionResponse", { ...completion, usage: { prompt_tokens: "3" } })).not.toEqual([]);
    expect(
      openAIViolations("ErrorResponse", { error: { message: "No such model", type: "invalid_request_error", param: "model", code: "model_not_found" } }),
    ).toEqual([]);
  });
});
