import { describe, expect, it } from "vitest";
import { parseChatCompletionRequest } from "@/lib/inference/chat-request";
import { DomainError } from "@/lib/errors";

const base = { model: "m", messages: [{ role: "user", content: "Hi" }] };

function rejection(body: unknown): DomainError {
  try {
    parseChatCompletionRequest(body);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("the request was accepted");
}

describe("chat completion requests", () => {
  it("normalises what OpenAI accepts: content parts, stop strings, either max-tokens field, nulls as unset", () => {
    const request = parseChatCompletionRequest({
      ...base,
      messages: [
        { role: "developer", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: "one" }, { type: "text", text: "two" }], name: "ann" },
        { role: "assistant", content: "ok", refusal: null },
      ],
      stop: "END",
      max_tokens: 50,
      max_completion_tokens: 20,
      temperature: null,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(request).toEqual({
      model: "m",
      stream: true,
      includeUsage: true,
      params: {
        messages: [
          { role: "developer", content: "Be brief." },
          { role: "user", content: "one\ntwo", name: "ann" },
          { role: "assistant", content: "ok" },
        ],
        maxTokens: 20,
        temperature: undefined,
        topP: undefined,
        seed: undefined,
        stop: ["END"],
        frequencyPenalty: undefined,
        presencePenalty: undefined,
      },
    });
    expect(parseChatCompletionRequest({ ...base, stop: ["", "x"] }).params.stop).toEqual(["x"]);
    expect(parseChatCompletionRequest(base).params.maxTokens).toBeNull();
  });

  it("accepts hints it cannot follow and fields at their off value, so default client payloads work", () => {
    const request = parseChatCompletionRequest({
      ...base,
      n: 1,
      logprobs: false,
      top_logprobs: null,
      logit_bias: {},
      tools: [],
      tool_choice: "none",
      response_format: { type: "text" },
      modalities: ["text"],
      metadata: { a: "b" },
      store: true,
      service_tier: "auto",
      user: "u",
      safety_identifier: "s",
      prompt_cache_key: "k",
      parallel_tool_calls: false,
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
    });
    expect(request.params).toMatchObject({ frequencyPenalty: 0.5, presencePenalty: -0.5 });
  });

  it("refuses what would change the answer, naming the parameter", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ n: 3 }, "n"],
      [{ tools: [{ type: "function", function: { name: "f" } }] }, "tools"],
      [{ tool_choice: "auto" }, "tool_choice"],
      [{ logprobs: true }, "logprobs"],
      [{ response_format: { type: "json_schema", json_schema: {} } }, "response_format"],
      [{ audio: { voice: "alloy" } }, "audio"],
      [{ modalities: ["text", "audio"] }, "modalities"],
      [{ logit_bias: { "50256": -100 } }, "logit_bias"],
      [{ reasoning_effort: "high" }, "reasoning_effort"],
      [{ stop: ["a", "b", "c", "d", "e"] }, "stop"],
      [{ top_p: 1.5 }, "top_p"],
      [{ max_tokens: 0 }, "max_tokens"],
      [{ seed: 1.5 }, "seed"],
      [{ stream: false, stream_options: { include_usage: true } }, "stream_options"],
      [{ stream: true, stream_options: { include_usage: true, extra: 1 } }, "stream_options.extra"],
      [{ messages: [{ role: "tool", content: "x", tool_call_id: "1" }] }, "messages[0].role"],
      [{ messages: [{ role: "user", content: [{ type: "input_audio", input_audio: {} }] }] }, "messages[0].content[0]"],
      [{ messages: [{ role: "user" }] }, "messages[0].content"],
      [{ model: "" }, "model"],
    ];
    for (const [change, param] of cases) {
      const error = rejection({ ...base, ...change });
      expect(error.code, JSON.stringify(change)).toBe("invalid_request");
      expect(error.details.param, JSON.stringify(change)).toBe(param);
    }
  });

  it("refuses fields OpenAI does not have, with OpenAI's wording", () => {
    const error = rejection({ ...base, temprature: 0.5 });
    expect(error.message).toBe("Unrecognized request argument supplied: temprature");
    expect(error.details.param).toBe("temprature");
    expect(rejection([base]).code).toBe("invalid_request");
    expect(rejection(null).code).toBe("invalid_request");
  });
});
