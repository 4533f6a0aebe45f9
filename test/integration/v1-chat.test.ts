// The /v1 chat API as developers call it: the quickstart's curl command, curl streaming, and the
// official OpenAI SDK, against the real server, forwarded to a loopback OpenAI-compatible upstream.
// Every body is checked against OpenAI's OpenAPI spec and every charge against the ledger.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quickstartSamples } from "@/components/console/quickstart";
import { nanosToDecimalString, nanosToUsdNumber, perMillion } from "@/lib/credits/money";
import { db } from "@/lib/db";
import { assertOpenAIShape } from "../support/openapi-validator";
import { startUpstreamServer, upstreamPromptTokens, upstreamText, type UpstreamServer } from "../support/upstream-server";
import {
  appUrl,
  bearer,
  expectSettledBooks,
  fundedUser,
  newApiKey,
  parseEventStream,
  postJson,
  registerUpstreamModel,
  requestLog,
  type TestModel,
} from "../support/v1-fixtures";

const run = promisify(execFile);

// The test models' prices: $0.20 per 1M prompt tokens, $0.60 per 1M completion tokens.
const INPUT_PRICE = 200_000_000n;
const OUTPUT_PRICE = 600_000_000n;

function expectedCost(promptTokens: number, completionTokens: number): bigint {
  return perMillion(promptTokens, INPUT_PRICE) + perMillion(completionTokens, OUTPUT_PRICE);
}

let upstream: UpstreamServer;
let model: TestModel;

beforeAll(async () => {
  upstream = await startUpstreamServer();
  model = await registerUpstreamModel(upstream, "CHAT", { inputPrice: INPUT_PRICE, outputPrice: OUTPUT_PRICE });
});

afterAll(async () => {
  await upstream?.close();
});

describe("POST /v1/chat/completions", () => {
  it("answers the quickstart's curl command, unchanged but for the model, and charges exactly the upstream's usage", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const curl = quickstartSamples(`${appUrl()}/v1`)
      .find((sample) => sample.label === "curl")!
      .code.replaceAll("ecolink/tiny-chat", model.id);

    const { stdout } = await run("sh", ["-c", curl], { env: { ...process.env, ECOLINK_API_KEY: key.secret } });

    const body = JSON.parse(stdout) as {
      id: string;
      model: string;
      choices: { message: { content: string }; finish_reason: string }[];
      usage: Record<string, number>;
    };
    assertOpenAIShape("CreateChatCompletionResponse", body);
    expect(body.model).toBe(model.id);
    expect(body.choices[0]!.message.content).toBe(upstreamText(6));
    expect(body.choices[0]!.finish_reason).toBe("stop");
    const promptTokens = upstreamPromptTokens([{ content: "Hello!" }]);
    const cost = expectedCost(promptTokens, 6);
    expect(body.usage).toEqual({ prompt_tokens: promptTokens, completion_tokens: 6, total_tokens: promptTokens + 6, cost: nanosToUsdNumber(cost) });

    const sent = upstream.requestsFor(model.upstreamModel).at(-1)!;
    expect(sent.body.model).toBe(model.upstreamModel);
    expect(sent.body.stream).toBe(false);
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n - cost);
    const log = await db.requestLog.findFirstOrThrow({ where: { userId: user.id } });
    expect(log).toMatchObject({
      status: "SUCCEEDED",
      cost,
      inputTokens: promptTokens,
      outputTokens: 6,
      httpStatus: 200,
      apiKeyId: key.id,
      source: "API",
      endpoint: "/v1/chat/completions",
    });
    expect(log.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("streams with curl -N: a role chunk, one chunk per token, the finish, the usage chunk asked for, then [DONE]", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const request = {
      model: model.id,
      messages: [{ role: "user", content: "Count to five" }],
      max_tokens: 5,
      stream: true,
      stream_options: { include_usage: true },
    };

    const { stdout } = await run("curl", [
      "-sS",
      "-N",
      "-D",
      "-",
      `${appUrl()}/v1/chat/completions`,
      "-H",
      `Authorization: Bearer ${key.secret}`,
      "-H",
      "Content-Type: application/json",
      "-d",
      JSON.stringify(request),
    ]);

    const [head = "", text = ""] = stdout.split("\r\n\r\n", 2);
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head).toMatch(/content-type: text\/event-stream/i);
    const requestId = /x-request-id: (\S+)/i.exec(head)?.[1] ?? null;
    expect(head).toMatch(/x-ratelimit-remaining-requests: \d+/i);
    const { events, done } = parseEventStream(text);
    expect(done).toBe(true);
    for (const event of events) assertOpenAIShape("CreateChatCompletionStreamResponse", event);
    type Chunk = {
      id: string;
      model: string;
      choices: { delta: { role?: string; content?: string }; finish_reason: string | null }[];
      usage: Record<string, number> | null;
    };
    const chunks = events as unknown as Chunk[];
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.model === model.id)).toBe(true);
    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    const content = chunks.flatMap((c) => c.choices.map((choice) => choice.delta.content ?? "")).join("");
    expect(content).toBe(upstreamText(5));
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBe(5);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("length");
    const final = chunks.at(-1)!;
    expect(final.choices).toEqual([]);
    const promptTokens = upstreamPromptTokens([{ content: "Count to five" }]);
    const cost = expectedCost(promptTokens, 5);
    expect(final.usage).toEqual({ prompt_tokens: promptTokens, completion_tokens: 5, total_tokens: promptTokens + 5, cost: nanosToUsdNumber(cost) });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);

    const log = await requestLog(requestId);
    expect(log).toMatchObject({ status: "SUCCEEDED", cost, inputTokens: promptTokens, outputTokens: 5 });
    expect(log.ttftMs).not.toBeNull();
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n - cost);
  });

  it("always asks the upstream for usage, bills by it, and strips it from a stream whose client did not ask", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);

    const response = await postJson("/v1/chat/completions", key.secret, { model: model.id, messages: [{ role: "user", content: "Hi there" }], stream: true });

    const { events, done } = parseEventStream(await response.text());
    expect(done).toBe(true);
    for (const event of events) {
      assertOpenAIShape("CreateChatCompletionStreamResponse", event);
      expect(event).not.toHaveProperty("usage");
    }
    expect(upstream.requestsFor(model.upstreamModel).at(-1)!.body.stream_options).toEqual({ include_usage: true });
    const log = await requestLog(response.headers.get("x-request-id"));
    expect(log.cost).toBe(expectedCost(upstreamPromptTokens([{ content: "Hi there" }]), 6));
    await expectSettledBooks(user.id);
  });

  it("works with the official OpenAI SDK, plain and streamed, content parts and all", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const client = new OpenAI({ baseURL: `${appUrl()}/v1`, apiKey: key.secret, maxRetries: 0 });

    const completion = await client.chat.completions.create({
      model: model.id,
      messages: [
        { role: "system", content: "You are terse." },
        {
          role: "user",
          content: [
            { type: "text", text: "Say" },
            { type: "text", text: "hello" },
          ],
        },
      ],
      max_completion_tokens: 3,
      temperature: 0.2,
      seed: 7,
      stop: ["\n\n"],
      user: "end-user-42",
    });
    assertOpenAIShape("CreateChatCompletionResponse", completion);
    expect(completion.choices[0]!.message.content).toBe(upstreamText(3));
    const forwarded = upstream.requestsFor(model.upstreamModel).at(-1)!.body;
    // The request reaches the upstream as the SDK sent it, but for the model's name there.
    expect(forwarded).toMatchObject({ model: model.upstreamModel, max_completion_tokens: 3, temperature: 0.2, seed: 7, stop: ["\n\n"], user: "end-user-42" });
    expect((forwarded.messages as { content: unknown }[])[1]!.content).toEqual([
      { type: "text", text: "Say" },
      { type: "text", text: "hello" },
    ]);

    const stream = await client.chat.completions.create({
      model: model.id,
      messages: [{ role: "user", content: "Stream please" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      assertOpenAIShape("CreateChatCompletionStreamResponse", chunk);
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(upstreamText(6));
    expect(usage?.completion_tokens).toBe(6);

    const balance = await expectSettledBooks(user.id);
    const logs = await db.requestLog.findMany({ where: { userId: user.id } });
    expect(logs.map((log) => log.status)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    expect(1_000_000_000n - balance).toBe(
      expectedCost(upstreamPromptTokens([{ content: "You are terse." }, { content: "Say\nhello" }]), 3) +
        expectedCost(upstreamPromptTokens([{ content: "Stream please" }]), 6),
    );
  });
});

describe("GET /v1/models", () => {
  it("lists the models this deployment serves, omitting unconfigured ones, and retrieves ids with slashes", async () => {
    const user = await fundedUser("0");
    const key = await newApiKey(user.id);
    const client = new OpenAI({ baseURL: `${appUrl()}/v1`, apiKey: key.secret, maxRetries: 0 });

    const listed = await fetch(`${appUrl()}/v1/models`, { headers: bearer(key.secret) });
    expect(listed.status).toBe(200);
    const list = (await listed.json()) as { data: { id: string }[] };
    assertOpenAIShape("ListModelsResponse", list);
    const ids = list.data.map((m) => m.id);
    expect(ids).toContain(model.id);
    expect(ids).not.toContain("meta-llama/Llama-3.1-8B-Instruct");
    expect(ids).toContain("ecolink/pattern");

    const retrieved = await client.models.retrieve(model.id);
    assertOpenAIShape("Model", retrieved);
    expect(retrieved).toMatchObject({ id: model.id, object: "model", owned_by: "test-org" });
    const plain = await fetch(`${appUrl()}/v1/models/${model.id}`, { headers: bearer(key.secret) });
    expect(((await plain.json()) as { id: string }).id).toBe(model.id);

    const missing = await fetch(`${appUrl()}/v1/models/meta-llama/Llama-3.1-8B-Instruct`, { headers: bearer(key.secret) });
    expect(missing.status).toBe(404);
    const error = (await missing.json()) as { error: { code: string; message: string } };
    assertOpenAIShape("ErrorResponse", error);
    expect(error.error.code).toBe("model_not_found");
    expect(error.error.message).toMatch(/not available on this deployment/);
  });
});

describe("GET /v1/me", () => {
  it("reports the balance, what in-flight requests hold, and this key's limit and spend, exactly", async () => {
    const user = await fundedUser("2.50");
    const key = await newApiKey(user.id, { spendLimit: 1_250_000_000n });
    await postJson("/v1/chat/completions", key.secret, { model: model.id, messages: [{ role: "user", content: "one two three" }] });
    const spent = 2_500_000_000n - (await expectSettledBooks(user.id));

    const response = await fetch(`${appUrl()}/v1/me`, { headers: bearer(key.secret) });

    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
    const me = await response.json();
    const amount = (nanos: bigint) => ({ usd: nanosToUsdNumber(nanos), decimal: nanosToDecimalString(nanos) });
    expect(me).toEqual({
      object: "account",
      balance: amount(2_500_000_000n - spent),
      held: amount(0n),
      available: amount(2_500_000_000n - spent),
      api_key: { id: key.id, spend_limit: amount(1_250_000_000n), spent: amount(spent), held: amount(0n), rate_limit_rpm: 600 },
    });
  });
});
