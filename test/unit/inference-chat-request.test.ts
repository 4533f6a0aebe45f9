import { describe, expect, it } from "vitest";
import { capabilitiesSchema, requireCapabilities } from "@/lib/inference/capabilities";
import { parseChatCompletionRequest } from "@/lib/inference/chat-request";
import { parseCompletionRequest } from "@/lib/inference/completion-request";
import { DomainError } from "@/lib/errors";

const base = { model: "m", messages: [{ role: "user", content: "Hi" }] };

function rejection(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("the request was accepted");
}

describe("chat completion requests", () => {
  it("keeps the whole body for the upstream, vendor fields included, and a text view for local engines", () => {
    const body = {
      ...base,
      messages: [
        { role: "developer", content: "Be brief." },
        {
          role: "user",
          content: [
            { type: "text", text: "one" },
            { type: "image_url", image_url: { url: "https://example.com/a.png" } },
          ],
          name: "ann",
        },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "call_1", content: "42" },
      ],
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
      tool_choice: { type: "function", function: { name: "f" } },
      response_format: { type: "json_schema", json_schema: { name: "answer", schema: { type: "object" }, strict: true } },
      stop: "END",
      max_tokens: 50,
      max_completion_tokens: 20,
      n: 2,
      logprobs: true,
      top_logprobs: 3,
      top_k: 40,
      chat_template_kwargs: { enable_thinking: false },
      stream: true,
      stream_options: { include_usage: true },
    };
    const parsed = parseChatCompletionRequest(body);
    expect(parsed.request.body).toEqual(body);
    expect(parsed.request.params).toEqual({
      messages: [
        { role: "developer", content: "Be brief." },
        { role: "user", content: "one\n", name: "ann" },
        { role: "assistant", content: "" },
      ],
      maxTokens: 20,
      temperature: undefined,
      topP: undefined,
      seed: undefined,
      stop: ["END"],
    });
    expect(parsed).toMatchObject({ includeUsage: true, maxTokens: 20, maxTokensParam: "max_completion_tokens", choices: 2, images: 1, audioBytes: 0 });
    expect(parsed.needs).toEqual({ tools: "tools", json: "response_format", vision: "messages[1].content[1]", audioIn: null, logprobs: "logprobs", n: 2 });
    // The tool definitions and the schema count towards the prompt's size, the image does not.
    expect(parsed.promptBytes).toBeGreaterThan(JSON.stringify(body.tools).length + JSON.stringify(body.response_format).length);
  });

  it("sees tool history and audio parts as needs even without tools in the request", () => {
    const parsed = parseChatCompletionRequest({
      ...base,
      messages: [
        { role: "user", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }] },
        { role: "tool", tool_call_id: "c", content: "x" },
      ],
    });
    expect(parsed.needs).toMatchObject({ tools: "messages[1]", audioIn: "messages[0].content[0]" });
    expect(parsed.audioBytes).toBe(3);
    expect(parseChatCompletionRequest({ ...base, tool_choice: "none", response_format: { type: "text" } }).needs).toMatchObject({ tools: null, json: null });
  });

  it("checks types and sizes, naming the parameter", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ n: 0 }, "n"],
      [{ tools: [{ type: "function", function: { name: "bad name!" } }] }, "tools[0].function.name"],
      [{ tool_choice: 7 }, "tool_choice"],
      [{ logprobs: "yes" }, "logprobs"],
      [{ top_logprobs: 3 }, "top_logprobs"],
      [{ response_format: { type: "xml" } }, "response_format.type"],
      [{ logit_bias: { "50256": -101 } }, "logit_bias.50256"],
      [{ stop: ["a", "b", "c", "d", "e"] }, "stop"],
      [{ top_p: 1.5 }, "top_p"],
      [{ max_tokens: 0 }, "max_tokens"],
      [{ seed: 1.5 }, "seed"],
      [{ stream: false, stream_options: { include_usage: true } }, "stream_options"],
      [{ messages: [{ role: "tool", content: "x" }] }, "messages[0].tool_call_id"],
      [{ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "file:///etc/passwd" } }] }] }, "messages[0].content[0].image_url.url"],
      [{ messages: [{ role: "user", content: [{ type: "video" }] }] }, "messages[0].content"],
      [{ messages: [{ role: "robot", content: "x" }] }, "messages[0].role"],
      [{ messages: [{ role: "user" }] }, "messages[0].content"],
      [{ model: "" }, "model"],
    ];
    for (const [change, param] of cases) {
      const error = rejection(() => parseChatCompletionRequest({ ...base, ...change }));
      expect(error.code, JSON.stringify(change)).toBe("invalid_request");
      expect(error.details.param, JSON.stringify(change)).toBe(param);
    }
    expect(rejection(() => parseChatCompletionRequest([base])).code).toBe("invalid_request");
    expect(rejection(() => parseChatCompletionRequest(null)).code).toBe("invalid_request");
  });

  it("refuses what a model cannot do with a 400 naming the parameter and the model", () => {
    const textOnly = capabilitiesSchema.parse({});
    const parsed = parseChatCompletionRequest({ ...base, tools: [{ type: "function", function: { name: "f" } }] });
    const error = rejection(() => requireCapabilities("ecolink/tiny-chat", textOnly, parsed.needs));
    expect(error.details.param).toBe("tools");
    expect(error.message).toContain("ecolink/tiny-chat does not support tool calling");
    const n = rejection(() => requireCapabilities("m", capabilitiesSchema.parse({ maxN: 4 }), { ...parsed.needs, tools: null, n: 5 }));
    expect(n.details.param).toBe("n");
    expect(() => requireCapabilities("m", capabilitiesSchema.parse({ tools: true }), parsed.needs)).not.toThrow();
  });
});

describe("legacy completion requests", () => {
  it("counts choices as prompts × max(n, best_of), defaults max_tokens to 16 and keeps the body", () => {
    const parsed = parseCompletionRequest({ model: "m", prompt: ["a", "b"], n: 2, best_of: 3, echo: true, min_p: 0.1 });
    expect(parsed.choices).toBe(6);
    expect(parsed.maxTokens).toBe(16);
    expect(parsed.request.body).toMatchObject({ prompt: ["a", "b"], echo: true, min_p: 0.1, max_tokens: 16 });
    expect(parseCompletionRequest({ model: "m", prompt: [1, 2, 3] }).promptBytes).toBe(3);
    expect(rejection(() => parseCompletionRequest({ model: "m", prompt: "x", n: 3, best_of: 2 })).details.param).toBe("best_of");
    expect(rejection(() => parseCompletionRequest({ model: "m", prompt: {} })).details.param).toBe("prompt");
  });
});
