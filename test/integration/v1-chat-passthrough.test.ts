// The whole of OpenAI's chat and legacy completions requests through the metered gateway, against
// the real server and a loopback upstream that records what it received: every field reaches the
// upstream unchanged but for the model's name (tools, JSON modes, images, audio, n, logprobs,
// vendor fields), tool calls and several choices come back plain and streamed as the upstream sent
// them, a model refuses what it can't do for free, and every answer is billed exactly what the
// upstream reported (or counted, and said so), held for its worst case first.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getBalance } from "@/lib/credits/ledger";
import { nanosToUsdNumber, perMillion } from "@/lib/credits/money";
import { db } from "@/lib/db";
import { assertCompletionChunk, assertOpenAIShape, type OpenAIComponent } from "../support/openapi-validator";
import { startUpstreamServer, upstreamPromptTokens, upstreamText, type UpstreamServer } from "../support/upstream-server";
import {
  appUrl,
  bearer,
  eventually,
  expectSettledBooks,
  fundedUser,
  newApiKey,
  parseEventStream,
  postJson,
  registerSeededModelCopy,
  requestLog,
} from "../support/v1-fixtures";

const LLAMA = "meta-llama/Llama-3.1-8B-Instruct";
const VISION = "Qwen/Qwen2.5-VL-7B-Instruct";
const AUDIO = "Qwen/Qwen2-Audio-7B-Instruct";
const TINY = "ecolink/tiny-chat";
const ONE_DOLLAR = 1_000_000_000n;
/** A 1×1 PNG. */
const PNG_DATA_URL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

type Copy = Awaited<ReturnType<typeof registerSeededModelCopy>>;

let upstream: UpstreamServer;

beforeAll(async () => {
  upstream = await startUpstreamServer();
});

afterAll(async () => {
  await upstream?.close();
});

/** What `model` charges for the tokens: its prices, as the seed sets them. */
function priceOf(model: Copy, promptTokens: number, completionTokens: number): bigint {
  return perMillion(promptTokens, model.seeded.inputPrice) + perMillion(completionTokens, model.seeded.outputPrice);
}

/** The upstream's one request for the model, parsed from the bytes it received. */
function received(model: Copy) {
  const sent = upstream.requestsFor(model.upstreamModel);
  expect(sent).toHaveLength(1);
  return { ...sent[0]!, json: JSON.parse(sent[0]!.raw) as Record<string, unknown> };
}

async function chat(secret: string, body: unknown, init: RequestInit = {}) {
  const response = await postJson("/v1/chat/completions", secret, body, init);
  return { response, requestId: response.headers.get("x-request-id") };
}

/** A stream's chunks, each validated against OpenAI's schema, and whether it ended with [DONE]. */
async function chunksOf(response: Response, component: OpenAIComponent = "CreateChatCompletionStreamResponse") {
  expect(response.status).toBe(200);
  const { events, done } = parseEventStream(await response.text());
  for (const event of events) assertOpenAIShape(component, event);
  return { chunks: events as Chunk[], done };
}

type ToolCallDelta = { index: number; id?: string; type?: string; function?: { name?: string; arguments?: string } };
type Chunk = {
  id: string;
  model: string;
  object: string;
  usage?: Record<string, number> | null;
  choices: {
    index: number;
    delta: { role?: string; content?: string | null; tool_calls?: ToolCallDelta[] };
    text?: string;
    finish_reason: string | null;
    logprobs: { content: { token: string; top_logprobs: unknown[] }[] } | null;
  }[];
};

/** Tool calls assembled from streamed deltas, per choice, as the SDKs assemble them. */
function assembleToolCalls(chunks: Chunk[]) {
  const calls = new Map<number, { id: string; name: string; arguments: string }[]>();
  for (const chunk of chunks) {
    for (const choice of chunk.choices) {
      for (const delta of choice.delta.tool_calls ?? []) {
        const list = calls.get(choice.index) ?? [];
        calls.set(choice.index, list);
        list[delta.index] ??= { id: "", name: "", arguments: "" };
        const call = list[delta.index]!;
        call.id += delta.id ?? "";
        call.name += delta.function?.name ?? "";
        call.arguments += delta.function?.arguments ?? "";
      }
    }
  }
  return calls;
}

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The current weather in a city.",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
      required: ["city", "unit"],
      additionalProperties: false,
    },
    strict: true,
  },
};
const timeTool = {
  type: "function",
  function: { name: "get_time", parameters: { type: "object", properties: { timezone: { type: "string" } }, required: ["timezone"] } },
};

describe("chat completions through the gateway, field by field", () => {
  it("passes every field of the request to the upstream unchanged but for the model, and answers its tool calls for each of n choices, billed exactly", async () => {
    const llama = await registerSeededModelCopy(upstream, LLAMA);
    const args = '{"city":"Oslo","unit":"celsius"}';
    upstream.behave(llama.upstreamModel, { toolCall: { name: "get_weather", arguments: args } });
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const messages = [
      { role: "developer", content: "You are terse." },
      { role: "system", content: [{ type: "text", text: "Use the tools you are given." }] },
      { role: "user", content: "What is the weather in Paris?", name: "ada" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' } }],
      },
      { role: "tool", tool_call_id: "call_1", content: '{"temperature": 21}' },
      { role: "user", content: "And in Oslo?" },
    ];
    const request = {
      model: llama.id,
      messages,
      tools: [weatherTool, timeTool],
      tool_choice: "auto",
      parallel_tool_calls: false,
      n: 2,
      logprobs: true,
      top_logprobs: 3,
      seed: 42,
      presence_penalty: 0.5,
      frequency_penalty: -0.25,
      logit_bias: { "1234": -100, "42": 5 },
      stop: ["\n\n", "END"],
      max_completion_tokens: 64,
      temperature: 0.3,
      top_p: 0.9,
      user: "customer-42",
      metadata: { project: "eco", run: "7" },
      store: false,
      // vLLM's own sampling and template fields: not OpenAI's, passed on all the same.
      top_k: 40,
      min_p: 0.05,
      repetition_penalty: 1.1,
      chat_template_kwargs: { enable_thinking: false },
    };

    const { response, requestId } = await chat(key.secret, request);

    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      id: string;
      model: string;
      choices: {
        index: number;
        message: { content: string | null; tool_calls: { id: string; type: string; function: { name: string; arguments: string } }[] };
        finish_reason: string;
        logprobs: unknown;
      }[];
      usage: Record<string, number>;
    };
    assertOpenAIShape("CreateChatCompletionResponse", body);
    const sent = received(llama);
    expect(sent.json).toEqual({ ...request, model: llama.upstreamModel, stream: false });
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(body.id).not.toBe("chatcmpl-upstream");
    expect(body.model).toBe(llama.id);
    expect(body.choices.map((c) => c.index)).toEqual([0, 1]);
    for (const choice of body.choices) {
      expect(choice.finish_reason).toBe("tool_calls");
      expect(choice.message.content).toBeNull();
      expect(choice.message.tool_calls).toEqual([
        { id: expect.stringMatching(/^call_/), type: "function", function: { name: "get_weather", arguments: args } },
      ]);
      expect(choice.logprobs).toEqual({ content: [], refusal: null });
    }
    const usage = sent.usage!;
    expect(usage.prompt_tokens).toBe(
      upstreamPromptTokens(messages.map((m) => ({ content: typeof m.content === "string" ? m.content : m.content === null ? "" : m.content[0]!.text }))),
    );
    const cost = priceOf(llama, usage.prompt_tokens, usage.completion_tokens);
    expect(body.usage).toEqual({ ...usage, cost: nanosToUsdNumber(cost) });
    expect(await requestLog(requestId)).toMatchObject({
      status: "SUCCEEDED",
      cost,
      inputTokens: usage.prompt_tokens,
      outputTokens: usage.completion_tokens,
      usageCounted: false,
    });
    expect(await expectSettledBooks(user.id)).toBe(ONE_DOLLAR - cost);
  });

  it("relays streamed tool-call deltas as they arrive (ids and names first, then argument fragments), asks the upstream for usage and strips it from the client's stream", async () => {
    const llama = await registerSeededModelCopy(upstream, LLAMA);
    const calls = [
      { name: "get_weather", arguments: '{"city":"Lisbon","unit":"fahrenheit"}' },
      { name: "get_time", arguments: '{"timezone":"Europe/Lisbon"}' },
    ];
    upstream.behave(llama.upstreamModel, { toolCall: calls });
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const request = {
      model: llama.id,
      messages: [{ role: "user", content: "Weather and time in Lisbon?" }],
      tools: [weatherTool, timeTool],
      tool_choice: "required",
      stream: true,
    };

    const { response, requestId } = await chat(key.secret, request);
    const { chunks, done } = await chunksOf(response);

    expect(done).toBe(true);
    const sent = received(llama);
    expect(sent.json).toEqual({ ...request, model: llama.upstreamModel, stream_options: { include_usage: true } });
    // Not asked for: no usage chunk and no usage field.
    expect(chunks.every((c) => c.choices.length === 1 && !("usage" in c))).toBe(true);
    expect(chunks.every((c) => c.model === llama.id && c.id === chunks[0]!.id)).toBe(true);
    const deltas = chunks.flatMap((c) => c.choices[0]!.delta.tool_calls ?? []);
    // One relayed chunk per upstream delta: a header per call, then its fragments, never merged.
    const fragmentsOf = (text: string) => Math.ceil(text.length / 6);
    expect(deltas).toHaveLength(calls.reduce((sum, call) => sum + 1 + fragmentsOf(call.arguments), 0));
    expect(deltas[0]).toEqual({ index: 0, id: expect.stringMatching(/^call_/), type: "function", function: { name: "get_weather", arguments: "" } });
    expect(deltas[1]).toEqual({ index: 0, function: { arguments: calls[0]!.arguments.slice(0, 6) } });
    const assembled = assembleToolCalls(chunks).get(0)!;
    expect(assembled.map(({ name, arguments: a }) => ({ name, arguments: a }))).toEqual(calls);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("tool_calls");

    const usage = sent.usage!;
    expect(usage.completion_tokens).toBe(deltas.length);
    const cost = priceOf(llama, usage.prompt_tokens, usage.completion_tokens);
    expect(await requestLog(requestId)).toMatchObject({ status: "SUCCEEDED", cost, inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens });
    expect(await expectSettledBooks(user.id)).toBe(ONE_DOLLAR - cost);
  });

  it("passes response_format json_schema (strict) and json_object on, and answers with the upstream's JSON, plain and streamed", async () => {
    const llama = await registerSeededModelCopy(upstream, LLAMA);
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const schema = {
      type: "object",
      properties: {
        name: { type: "string" },
        age: { type: "integer", minimum: 18 },
        tags: { type: "array", items: { type: "string" } },
        role: { type: "string", enum: ["admin", "user"] },
      },
      required: ["name", "age", "tags", "role"],
      additionalProperties: false,
    };
    const structured = {
      model: llama.id,
      messages: [{ role: "user", content: "Extract the person." }],
      response_format: { type: "json_schema", json_schema: { name: "person", description: "A person", schema, strict: true } },
    };
    const jsonMode = {
      model: llama.id,
      messages: [
        { role: "system", content: "Answer in JSON." },
        { role: "user", content: "Greet me" },
      ],
      response_format: { type: "json_object" },
      stream: true,
      stream_options: { include_usage: true },
    };

    const plain = await chat(key.secret, structured);
    const streamed = await chat(key.secret, jsonMode);

    expect(plain.response.status).toBe(200);
    const body = (await plain.response.json()) as { choices: { message: { content: string } }[] };
    assertOpenAIShape("CreateChatCompletionResponse", body);
    expect(JSON.parse(body.choices[0]!.message.content)).toEqual({ name: "loopback", age: 18, tags: ["loopback"], role: "admin" });
    const { chunks } = await chunksOf(streamed.response);
    expect(JSON.parse(chunks.map((c) => c.choices[0]?.delta.content ?? "").join(""))).toEqual({ answer: upstreamText(6) });
    const [first, second] = upstream.requestsFor(llama.upstreamModel).map((r) => JSON.parse(r.raw) as Record<string, unknown>);
    expect(first).toEqual({ ...structured, model: llama.upstreamModel, stream: false });
    expect(second).toEqual({ ...jsonMode, model: llama.upstreamModel });

    const usages = upstream.requestsFor(llama.upstreamModel).map((r) => r.usage!);
    const costs = usages.map((u) => priceOf(llama, u.prompt_tokens, u.completion_tokens));
    expect(chunks.at(-1)!.usage).toEqual({ ...usages[1], cost: nanosToUsdNumber(costs[1]!) });
    expect((await requestLog(plain.requestId)).cost).toBe(costs[0]);
    expect((await requestLog(streamed.requestId)).cost).toBe(costs[1]);
    expect(await expectSettledBooks(user.id)).toBe(ONE_DOLLAR - costs[0]! - costs[1]!);
  });

  it("answers n choices with log probabilities, plain and streamed with each choice's own index, billed for all of them", async () => {
    const llama = await registerSeededModelCopy(upstream, LLAMA);
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const request = { model: llama.id, messages: [{ role: "user", content: "Say hello" }], n: 3, max_tokens: 4, logprobs: true, top_logprobs: 2 };

    const plain = await chat(key.secret, request);
    const streamed = await chat(key.secret, { ...request, stream: true, stream_options: { include_usage: true } });

    const body = (await plain.response.json()) as {
      choices: { index: number; message: { content: string }; logprobs: { content: { token: string; top_logprobs: unknown[] }[] } }[];
      usage: Record<string, number>;
    };
    assertOpenAIShape("CreateChatCompletionResponse", body);
    expect(body.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    for (const choice of body.choices) {
      expect(choice.message.content).toBe(upstreamText(4));
      expect(choice.logprobs.content.map((l) => l.token).join("")).toBe(upstreamText(4));
      expect(choice.logprobs.content.every((l) => l.top_logprobs.length === 2)).toBe(true);
    }
    expect(body.usage.completion_tokens).toBe(12);

    const { chunks } = await chunksOf(streamed.response);
    for (const index of [0, 1, 2]) {
      const mine = chunks.flatMap((c) => c.choices.filter((choice) => choice.index === index));
      expect(mine[0]!.delta.role).toBe("assistant");
      expect(mine.map((c) => c.delta.content ?? "").join("")).toBe(upstreamText(4));
      expect(
        mine
          .flatMap((c) => c.logprobs?.content ?? [])
          .map((l) => l.token)
          .join(""),
      ).toBe(upstreamText(4));
      expect(mine.at(-1)!.finish_reason).toBe("length");
    }
    const usages = upstream.requestsFor(llama.upstreamModel).map((r) => r.usage!);
    expect(usages.map((u) => u.completion_tokens)).toEqual([12, 12]);
    const cost = priceOf(llama, usages[0]!.prompt_tokens, 12);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 12, cost: nanosToUsdNumber(cost) } });
    expect((await requestLog(plain.requestId)).cost).toBe(cost);
    expect((await requestLog(streamed.requestId)).cost).toBe(cost);
    expect(await expectSettledBooks(user.id)).toBe(ONE_DOLLAR - 2n * cost);
  });

  it("passes image_url parts (https and data URLs) to a vision model and input_audio parts to an audio model, unchanged", async () => {
    const vision = await registerSeededModelCopy(upstream, VISION);
    const audio = await registerSeededModelCopy(upstream, AUDIO);
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const look = {
      model: vision.id,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is in these images?" },
            { type: "image_url", image_url: { url: "https://images.example.com/cat.jpg", detail: "high" } },
            { type: "image_url", image_url: { url: PNG_DATA_URL } },
          ],
        },
      ],
      max_tokens: 5,
    };
    const listen = {
      model: audio.id,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Transcribe this." },
            { type: "input_audio", input_audio: { data: Buffer.from("RIFF fake wave bytes").toString("base64"), format: "wav" } },
          ],
        },
      ],
      max_tokens: 5,
      stream: true,
    };

    const seen = await chat(key.secret, look);
    const heard = await chat(key.secret, listen);

    expect(seen.response.status).toBe(200);
    assertOpenAIShape("CreateChatCompletionResponse", await seen.response.json());
    const { chunks } = await chunksOf(heard.response);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe(upstreamText(5));
    expect(received(vision).json).toEqual({ ...look, model: vision.upstreamModel, stream: false });
    expect(received(audio).json).toEqual({ ...listen, model: audio.upstreamModel, stream_options: { include_usage: true } });
    const costs = [vision, audio].map((m) => priceOf(m, received(m).usage!.prompt_tokens, received(m).usage!.completion_tokens));
    expect((await requestLog(seen.requestId)).cost).toBe(costs[0]);
    expect((await requestLog(heard.requestId)).cost).toBe(costs[1]);
    expect(await expectSettledBooks(user.id)).toBe(ONE_DOLLAR - costs[0]! - costs[1]!);
  });
});

describe("capabilities", () => {
  it("refuses what a model can't do with a 400 naming the parameter and the model, before anything is held or sent, at no cost", async () => {
    const llama = await registerSeededModelCopy(upstream, LLAMA);
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const hi = [{ role: "user", content: "Hi" }];
    const cases = [
      { model: TINY, body: { messages: hi, tools: [weatherTool] }, param: "tools", what: "tool calling" },
      {
        model: TINY,
        body: { messages: hi, response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object" } } } },
        param: "response_format",
        what: "JSON mode",
      },
      { model: TINY, body: { messages: hi, logprobs: true }, param: "logprobs", what: "log probabilities" },
      {
        model: llama.id,
        body: {
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: "Look" },
                { type: "image_url", image_url: { url: PNG_DATA_URL } },
              ],
            },
          ],
        },
        param: "messages[0].content[1]",
        what: "image inputs",
      },
      {
        model: llama.id,
        body: { messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }] }] },
        param: "messages[0].content[0]",
        what: "audio inputs",
      },
      { model: llama.id, body: { messages: hi, n: 9 }, param: "n", what: "at most 8 choices" },
    ];

    for (const c of cases) {
      const { response, requestId } = await chat(key.secret, { model: c.model, ...c.body });
      expect(response.status, c.param).toBe(400);
      const error = ((await response.json()) as { error: { message: string; param: string; type: string } }).error;
      expect(error).toMatchObject({ type: "invalid_request_error", param: c.param });
      expect(error.message).toContain(c.model);
      expect(error.message).toContain(c.what);
      const log = await eventually(() => db.requestLog.findUniqueOrThrow({ where: { id: requestId! } }));
      expect(log).toMatchObject({ cost: 0n, reserved: 0n, httpStatus: 400 });
    }
    expect(upstream.requestsFor(llama.upstreamModel)).toHaveLength(0);
    expect(await expectSettledBooks(user.id)).toBe(ONE_DOLLAR);
  });

  it("shows each model's capabilities at GET /v1/models/{id}", async () => {
    const vision = await registerSeededModelCopy(upstream, VISION);
    const user = await fundedUser("0");
    const key = await newApiKey(user.id);

    const [copy, tiny] = await Promise.all(
      [vision.id, TINY].map(async (id) => {
        const response = await fetch(`${appUrl()}/v1/models/${encodeURIComponent(id)}`, { headers: bearer(key.secret) });
        expect(response.status).toBe(200);
        const body = (await response.json()) as { id: string; capabilities: unknown };
        assertOpenAIShape("Model", body);
        return body;
      }),
    );

    expect(copy).toMatchObject({
      id: vision.id,
      capabilities: { tools: true, json_mode: true, structured_outputs: true, vision: true, audio_input: false, logprobs: true, max_n: 4 },
    });
    expect(tiny).toMatchObject({ id: TINY, capabilities: { tools: false, json_mode: false, vision: false, audio_input: false, logprobs: false, max_n: 1 } });
  });
});

describe("metering", () => {
  it("holds n × the output cap plus every image at the model's rule, refusing with 402 when the balance can't cover that", async () => {
    const vision = await registerSeededModelCopy(upstream, VISION);
    const imageTokens = (vision.seeded.capabilities as { imageInputTokens: number }).imageInputTokens;
    const request = (n: number) => ({
      model: vision.id,
      n,
      max_tokens: 1000,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Describe" },
            { type: "image_url", image_url: { url: PNG_DATA_URL } },
          ],
        },
      ],
    });
    // The least the worst case of n = 4 can cost: four full answers and the image, before any text.
    const floor = priceOf(vision, imageTokens, 4 * 1000);
    const user = await fundedUser(floor - 1n);
    const key = await newApiKey(user.id);

    const refused = await chat(key.secret, request(4));
    const single = await chat(key.secret, request(1));

    expect(refused.response.status).toBe(402);
    expect(single.response.status).toBe(200);
    const log = await requestLog(single.requestId);
    expect(log.reserved).toBeGreaterThanOrEqual(priceOf(vision, imageTokens, 1000));
    const usage = upstream.requestsFor(vision.upstreamModel).at(-1)!.usage!;
    expect(upstream.requestsFor(vision.upstreamModel)).toHaveLength(1);
    expect(log.cost).toBe(priceOf(vision, usage.prompt_tokens, usage.completion_tokens));
    expect(await expectSettledBooks(user.id)).toBe(floor - 1n - log.cost);
  });

  it("counts the tokens itself when the upstream reports no usage, plain and streamed, and says so in the log", async () => {
    const llama = await registerSeededModelCopy(upstream, LLAMA);
    upstream.behave(llama.upstreamModel, { omitUsage: true, toolCall: { name: "get_weather", arguments: '{"city":"Rome","unit":"celsius"}' } });
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);

    const plain = await chat(key.secret, { model: llama.id, messages: [{ role: "user", content: "Weather in Rome?" }], tools: [weatherTool] });
    const streamed = await chat(key.secret, {
      model: llama.id,
      messages: [{ role: "user", content: "Hello there" }],
      stream: true,
      stream_options: { include_usage: true },
    });

    const body = (await plain.response.json()) as { usage: { prompt_tokens: number; completion_tokens: number; cost: number } };
    const { chunks } = await chunksOf(streamed.response);
    const logs = [await requestLog(plain.requestId), await requestLog(streamed.requestId)];
    for (const log of logs) {
      expect(log).toMatchObject({ status: "SUCCEEDED", usageCounted: true });
      expect(log.inputTokens).toBeGreaterThan(0);
      expect(log.outputTokens).toBeGreaterThan(0);
      expect(log.cost).toBe(priceOf(llama, log.inputTokens!, log.outputTokens!));
    }
    expect(body.usage).toMatchObject({ prompt_tokens: logs[0]!.inputTokens, completion_tokens: logs[0]!.outputTokens, cost: nanosToUsdNumber(logs[0]!.cost) });
    // A token per streamed content chunk, as servers stream them.
    expect(logs[1]!.outputTokens).toBe(6);
    expect(chunks.at(-1)!.usage).toMatchObject({ completion_tokens: 6, cost: nanosToUsdNumber(logs[1]!.cost) });
    expect(await expectSettledBooks(user.id)).toBe(ONE_DOLLAR - logs[0]!.cost - logs[1]!.cost);
  });

  it("bills an aborted stream of several choices for what was generated before the hang-up, and stops the upstream", async () => {
    const llama = await registerSeededModelCopy(upstream, LLAMA);
    upstream.behave(llama.upstreamModel, { tokenDelayMs: 25 });
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const controller = new AbortController();

    const { response, requestId } = await chat(
      key.secret,
      { model: llama.id, messages: [{ role: "user", content: "Go on" }], n: 2, max_tokens: 500, stream: true },
      { signal: controller.signal },
    );
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while ((text.match(/"content":"[^"]+"/g) ?? []).length < 6) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the stream ended early");
      text += decoder.decode(value, { stream: true });
    }
    controller.abort();

    const [sent] = await upstream.waitForEnded(llama.upstreamModel, 1);
    expect(sent!.aborted).toBe(true);
    expect(sent!.tokensSent).toBeLessThan(1000);
    const log = await requestLog(requestId);
    expect(log.status).toBe("CANCELLED");
    expect(log.outputTokens).toBeGreaterThanOrEqual(6);
    expect(log.outputTokens).toBeLessThanOrEqual(sent!.tokensSent);
    expect(log.cost).toBe(priceOf(llama, log.inputTokens!, log.outputTokens!));
    expect(await expectSettledBooks(user.id)).toBe(ONE_DOLLAR - log.cost);
    expect((await getBalance(user.id)).held).toBe(0n);
  });
});

describe("POST /v1/completions", () => {
  it("passes a legacy completion request on unchanged and answers a text_completion per prompt and n, with logprobs, billed exactly", async () => {
    const llama = await registerSeededModelCopy(upstream, LLAMA);
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const request = {
      model: llama.id,
      prompt: ["Once upon a time", "In a galaxy far away"],
      n: 2,
      max_tokens: 5,
      logprobs: 2,
      seed: 7,
      stop: ["\n"],
      user: "customer-7",
      top_k: 20,
    };

    const response = await postJson("/v1/completions", key.secret, request);

    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      id: string;
      object: string;
      model: string;
      choices: { index: number; text: string; logprobs: { tokens: string[] } }[];
      usage: Record<string, number>;
    };
    assertOpenAIShape("CreateCompletionResponse", body);
    expect(body).toMatchObject({ object: "text_completion", model: llama.id, id: expect.stringMatching(/^cmpl-/) });
    expect(body.choices.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    expect(body.choices.every((c) => c.text === upstreamText(5) && c.logprobs.tokens.join("") === upstreamText(5))).toBe(true);
    const sent = received(llama);
    expect(sent.path).toBe("/v1/completions");
    expect(sent.json).toEqual({ ...request, model: llama.upstreamModel, stream: false });
    const usage = sent.usage!;
    expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 20 });
    const cost = priceOf(llama, usage.prompt_tokens, usage.completion_tokens);
    expect(body.usage).toEqual({ ...usage, cost: nanosToUsdNumber(cost) });
    expect(await requestLog(response.headers.get("x-request-id"))).toMatchObject({ endpoint: "/v1/completions", cost, inputTokens: 9, outputTokens: 20 });
    expect(await expectSettledBooks(user.id)).toBe(ONE_DOLLAR - cost);
  });

  it("streams text_completion chunks with the usage asked for, holding OpenAI's default of 16 tokens when max_tokens is left out", async () => {
    const llama = await registerSeededModelCopy(upstream, LLAMA);
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const request = { model: llama.id, prompt: "Write a haiku", stream: true, stream_options: { include_usage: true } };

    const response = await postJson("/v1/completions", key.secret, request);

    const { events, done } = parseEventStream(await response.text());
    expect(done).toBe(true);
    const chunks = events as unknown as Chunk[];
    for (const chunk of chunks) {
      assertCompletionChunk(chunk);
      expect(chunk.usage === null || chunk === chunks.at(-1)).toBe(true);
    }
    expect(
      chunks
        .slice(0, -1)
        .map((c) => c.choices[0]!.text)
        .join(""),
    ).toBe(upstreamText(16));
    expect(received(llama).json).toEqual({ ...request, model: llama.upstreamModel, max_tokens: 16, stream_options: { include_usage: true } });
    const usage = received(llama).usage!;
    const cost = priceOf(llama, usage.prompt_tokens, usage.completion_tokens);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 16, cost: nanosToUsdNumber(cost) } });
    expect(await requestLog(response.headers.get("x-request-id"))).toMatchObject({ status: "SUCCEEDED", cost, outputTokens: 16 });
    expect(await expectSettledBooks(user.id)).toBe(ONE_DOLLAR - cost);
  });

  it("answers a legacy completion from the local demo model, plain and streamed, billed", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);

    const plain = await postJson("/v1/completions", key.secret, { model: TINY, prompt: "The weather today", max_tokens: 8 });
    const streamed = await postJson("/v1/completions", key.secret, { model: TINY, prompt: "The weather today", max_tokens: 8, stream: true });

    expect(plain.status).toBe(200);
    const body = (await plain.json()) as { choices: { text: string }[]; usage: { completion_tokens: number } };
    assertOpenAIShape("CreateCompletionResponse", body);
    expect(body.choices[0]!.text.length).toBeGreaterThan(0);
    const { events, done } = parseEventStream(await streamed.text());
    expect(done).toBe(true);
    for (const event of events) assertCompletionChunk(event as unknown as Chunk);
    expect(events.map((e) => (e as unknown as Chunk).choices[0]?.text ?? "").join("").length).toBeGreaterThan(0);
    const logs = [await requestLog(plain.headers.get("x-request-id")), await requestLog(streamed.headers.get("x-request-id"))];
    expect(logs.map((l) => l.status)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    expect(logs[0]!.outputTokens).toBe(body.usage.completion_tokens);
    expect(logs.every((l) => l.cost > 0n)).toBe(true);
    expect(await expectSettledBooks(user.id)).toBe(ONE_DOLLAR - logs[0]!.cost - logs[1]!.cost);
  });
});
