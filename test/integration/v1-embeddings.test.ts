// POST /v1/embeddings through the production server: an upstream model on the loopback server
// (what reaches it, float and base64 answers, token-id inputs, `dimensions`, exact billing from the
// upstream's usage or, without it, counted here) and the local demo model ecolink/hashed-ngrams;
// refusals of malformed, oversized and misdirected requests before anything is held.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nanosToUsdNumber } from "@/lib/credits/money";
import { db } from "@/lib/db";
import { countTokens } from "@/lib/inference/token-count";
import { assertOpenAIShape } from "../support/openapi-validator";
import { startUpstreamServer, upstreamEmbedding, upstreamEmbeddingTokens, type UpstreamServer } from "../support/upstream-server";
import {
  appUrl,
  expectSettledBooks,
  fundedUser,
  newApiKey,
  postJson,
  registerUpstreamModel,
  requestLog,
  type TestModel,
  untilSettled,
} from "../support/v1-fixtures";

// Nano-dollars per 1M input tokens: a microdollar per token keeps the expected costs readable.
const PER_MILLION = 1_000_000_000n;
const PER_TOKEN = PER_MILLION / 1_000_000n;
const CONTEXT = 64;
const DIMENSIONS = 8;

let upstream: UpstreamServer;
let model: TestModel;
let adjustable: TestModel;

beforeAll(async () => {
  upstream = await startUpstreamServer();
  model = await registerUpstreamModel(upstream, "EMBEDDING", { inputPrice: PER_MILLION }, CONTEXT, { dimensions: DIMENSIONS });
  adjustable = await registerUpstreamModel(upstream, "EMBEDDING", { inputPrice: PER_MILLION }, CONTEXT, { dimensions: DIMENSIONS, adjustableDimensions: true });
});

afterAll(async () => {
  await upstream?.close();
});

/** OpenAI's base64 embedding: little-endian float32s. */
function decodeBase64(text: string): number[] {
  const bytes = Buffer.from(text, "base64");
  return Array.from({ length: bytes.byteLength / 4 }, (_, i) => bytes.readFloatLE(i * 4));
}

function expectVector(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => {
    expect(value).toBeCloseTo(expected[i]!, 6);
  });
}

describe("POST /v1/embeddings with an upstream model", () => {
  it("relays the client's body (model renamed, floats asked for), answers OpenAI's list and bills the upstream's token count", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const texts = ["the quick brown fox", "jumps over the lazy dog"];
    const sent = { model: model.id, input: texts, encoding_format: "float", user: "user-42", truncate: true, normalize: false };

    const response = await postJson("/v1/embeddings", key.secret, sent);
    const body = await response.json();

    expect(response.status, JSON.stringify(body)).toBe(200);
    assertOpenAIShape("CreateEmbeddingResponse", body);
    expect(body).toMatchObject({ object: "list", model: model.id });
    expect(body.data.map((item: { index: number; object: string }) => [item.index, item.object])).toEqual([
      [0, "embedding"],
      [1, "embedding"],
    ]);
    texts.forEach((text, i) => {
      expectVector(body.data[i].embedding, upstreamEmbedding(text, DIMENSIONS));
    });
    const tokens = texts.reduce((sum, text) => sum + upstreamEmbeddingTokens(text), 0);
    expect(body.usage).toMatchObject({ prompt_tokens: tokens, total_tokens: tokens });

    const received = upstream.requestsFor(model.upstreamModel).at(-1)!;
    expect(received.path).toBe("/v1/embeddings");
    expect(received.body).toEqual({ ...sent, model: model.upstreamModel });

    const log = await requestLog(response.headers.get("x-request-id"));
    expect(log).toMatchObject({
      status: "SUCCEEDED",
      endpoint: "/v1/embeddings",
      modelId: model.id,
      inputTokens: tokens,
      outputTokens: 0,
      usageCounted: false,
      cost: BigInt(tokens) * PER_TOKEN,
    });
    expect(body.usage.cost).toBe(nanosToUsdNumber(log.cost));
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n - log.cost);
  });

  it("answers base64 (little-endian float32) when asked, which the OpenAI SDK does by default", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);

    const raw = await (await postJson("/v1/embeddings", key.secret, { model: model.id, input: "hello there", encoding_format: "base64" })).json();
    expect(typeof raw.data[0].embedding).toBe("string");
    expectVector(decodeBase64(raw.data[0].embedding), upstreamEmbedding("hello there", DIMENSIONS));
    // The upstream is asked for floats whatever the client wants: the gateway checks and encodes them.
    expect(upstream.requestsFor(model.upstreamModel).at(-1)!.body.encoding_format).toBe("float");

    const client = new OpenAI({ baseURL: `${appUrl()}/v1`, apiKey: key.secret, maxRetries: 0 });
    const viaSdk = await client.embeddings.create({ model: model.id, input: ["hello there", "general kenobi"] });
    expectVector(viaSdk.data[0]!.embedding, upstreamEmbedding("hello there", DIMENSIONS));
    expectVector(viaSdk.data[1]!.embedding, upstreamEmbedding("general kenobi", DIMENSIONS));
    expect(viaSdk.model).toBe(model.id);

    await untilSettled(user.id);
    const logs = await db.requestLog.findMany({ where: { userId: user.id }, orderBy: { createdAt: "asc" } });
    expect(logs.map((log) => log.cost)).toEqual([
      BigInt(upstreamEmbeddingTokens("hello there")) * PER_TOKEN,
      BigInt(upstreamEmbeddingTokens("hello there") + upstreamEmbeddingTokens("general kenobi")) * PER_TOKEN,
    ]);
    await expectSettledBooks(user.id);
  });

  it("passes token-id inputs unchanged and bills them by the upstream's count", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);

    for (const input of [
      [101, 7592, 102],
      [
        [1, 2, 3],
        [4, 5],
      ],
    ]) {
      const response = await postJson("/v1/embeddings", key.secret, { model: model.id, input });
      const body = await response.json();
      expect(response.status, JSON.stringify(body)).toBe(200);
      assertOpenAIShape("CreateEmbeddingResponse", body);
      const inputs = typeof input[0] === "number" ? [input as number[]] : (input as number[][]);
      inputs.forEach((ids, i) => {
        expectVector(body.data[i].embedding, upstreamEmbedding(ids, DIMENSIONS));
      });
      expect(upstream.requestsFor(model.upstreamModel).at(-1)!.body.input).toEqual(input);
      const tokens = inputs.reduce((sum, ids) => sum + upstreamEmbeddingTokens(ids), 0);
      expect((await requestLog(response.headers.get("x-request-id"))).cost).toBe(BigInt(tokens) * PER_TOKEN);
    }
    await expectSettledBooks(user.id);
  });

  it("passes `dimensions` to a model that can shorten its vectors, and refuses it for one that cannot", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);

    const short = await (await postJson("/v1/embeddings", key.secret, { model: adjustable.id, input: "abc", dimensions: 3 })).json();
    assertOpenAIShape("CreateEmbeddingResponse", short);
    expect(short.data[0].embedding).toHaveLength(3);
    expect(upstream.requestsFor(adjustable.upstreamModel).at(-1)!.body.dimensions).toBe(3);

    const before = upstream.requests.length;
    for (const [target, dimensions] of [
      [model, 4],
      [adjustable, DIMENSIONS + 1],
      [adjustable, 0],
    ] as const) {
      const response = await postJson("/v1/embeddings", key.secret, { model: target.id, input: "abc", dimensions });
      const body = await response.json();
      expect(response.status, JSON.stringify(body)).toBe(400);
      assertOpenAIShape("ErrorResponse", body);
      expect(body.error.param).toBe("dimensions");
    }
    expect(upstream.requests.length).toBe(before);
    await expectSettledBooks(user.id);
  });

  it("counts the tokens itself (o200k) when the upstream reports no usage, and says so in the log", async () => {
    const silent = await registerUpstreamModel(upstream, "EMBEDDING", { inputPrice: PER_MILLION }, CONTEXT, { dimensions: DIMENSIONS });
    upstream.behave(silent.upstreamModel, { omitUsage: true });
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const texts = ["Tokenizers split text into pieces.", "¿Dónde está la estación?"];

    const response = await postJson("/v1/embeddings", key.secret, { model: silent.id, input: texts });
    const body = await response.json();

    expect(response.status, JSON.stringify(body)).toBe(200);
    const counted = (await countTokens("o200k", texts[0]!)) + (await countTokens("o200k", texts[1]!));
    expect(body.usage.prompt_tokens).toBe(counted);
    expect(await requestLog(response.headers.get("x-request-id"))).toMatchObject({
      status: "SUCCEEDED",
      inputTokens: counted,
      usageCounted: true,
      cost: BigInt(counted) * PER_TOKEN,
    });
    await expectSettledBooks(user.id);
  });

  it("charges nothing when the upstream fails or sends vectors of the wrong size", async () => {
    const failing = await registerUpstreamModel(upstream, "EMBEDDING", { inputPrice: PER_MILLION }, CONTEXT, { dimensions: DIMENSIONS });
    upstream.behave(failing.upstreamModel, { failWith: 500 });
    const misfit = await registerUpstreamModel(upstream, "EMBEDDING", { inputPrice: PER_MILLION }, CONTEXT, { dimensions: DIMENSIONS });
    upstream.behave(misfit.upstreamModel, { embeddingDimensions: DIMENSIONS * 2 });
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);

    for (const target of [failing, misfit]) {
      const response = await postJson("/v1/embeddings", key.secret, { model: target.id, input: "hello" });
      expect(response.status).toBe(502);
      assertOpenAIShape("ErrorResponse", await response.json());
      expect(await requestLog(response.headers.get("x-request-id"))).toMatchObject({ status: "FAILED", cost: 0n });
    }
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n);
  });

  it("refuses malformed, oversized and misdirected requests with OpenAI-shaped 400s before holding anything", async () => {
    const chat = await registerUpstreamModel(upstream, "CHAT");
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const before = upstream.requests.length;
    const cases: [unknown, string][] = [
      [{ model: chat.id, input: "hi" }, "model"],
      [{ model: model.id }, "input"],
      [{ model: model.id, input: "" }, "input"],
      [{ model: model.id, input: [] }, "input"],
      [{ model: model.id, input: ["fine", ""] }, "input[1]"],
      [{ model: model.id, input: ["text", 3] }, "input"],
      [{ model: model.id, input: [1.5, 2] }, "input"],
      [{ model: model.id, input: Array.from({ length: 2049 }, () => "x") }, "input"],
      [{ model: model.id, input: Array.from({ length: CONTEXT + 1 }, (_, i) => i) }, "input"],
      [{ model: model.id, input: [[1, 2], Array.from({ length: CONTEXT + 1 }, (_, i) => i)] }, "input[1]"],
      [{ model: model.id, input: "x".repeat(CONTEXT * 16 + 1) }, "input"],
      [{ model: model.id, input: "hi", encoding_format: "int8" }, "encoding_format"],
      [{ model: model.id, input: "hi", dimensions: "8" }, "dimensions"],
    ];
    for (const [body, param] of cases) {
      const response = await postJson("/v1/embeddings", key.secret, body);
      const answer = await response.json();
      expect(response.status, JSON.stringify(answer)).toBe(400);
      assertOpenAIShape("ErrorResponse", answer);
      expect(answer.error.param, JSON.stringify(answer)).toBe(param);
    }
    expect(upstream.requests.length).toBe(before);
    expect(await db.requestLog.count({ where: { userId: user.id, status: { not: "FAILED" } } })).toBe(0);
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n);
  });
});

describe("POST /v1/embeddings with the local demo model ecolink/hashed-ngrams", () => {
  const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

  it("embeds on the CPU: unit vectors where shared spellings are close, any length up to 384, billed in o200k tokens", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const client = new OpenAI({ baseURL: `${appUrl()}/v1`, apiKey: key.secret, maxRetries: 0 });
    const texts = ["running shoes for the marathon", "run shoe marathons", "a bowl of banana bread"];

    const result = await client.embeddings.create({ model: "ecolink/hashed-ngrams", input: texts, encoding_format: "float" });

    assertOpenAIShape("CreateEmbeddingResponse", result);
    const [shoes, shoe, bread] = result.data.map((item) => item.embedding) as [number[], number[], number[]];
    expect(shoes).toHaveLength(384);
    expect(cosine(shoes, shoes)).toBeCloseTo(1, 5);
    expect(cosine(shoes, shoe)).toBeGreaterThan(cosine(shoes, bread) + 0.2);

    const counted = (await Promise.all(texts.map((text) => countTokens("o200k", text)))).reduce((a, b) => a + b, 0);
    expect(result.usage.prompt_tokens).toBe(counted);
    await untilSettled(user.id);
    const log = await db.requestLog.findFirstOrThrow({ where: { userId: user.id } });
    const price = (await db.model.findUniqueOrThrow({ where: { id: "ecolink/hashed-ngrams" } })).inputPrice;
    expect(log).toMatchObject({ status: "SUCCEEDED", inputTokens: counted, usageCounted: true, cost: (BigInt(counted) * price + 999_999n) / 1_000_000n });

    // The SDK's default, base64, and a shorter vector.
    const short = await client.embeddings.create({ model: "ecolink/hashed-ngrams", input: "running shoes", dimensions: 64 });
    expect(short.data[0]!.embedding).toHaveLength(64);
    expect(cosine(short.data[0]!.embedding, short.data[0]!.embedding)).toBeCloseTo(1, 5);

    const tooLong = await postJson("/v1/embeddings", key.secret, { model: "ecolink/hashed-ngrams", input: "x", dimensions: 385 });
    expect(tooLong.status).toBe(400);
    expect((await tooLong.json()).error.param).toBe("dimensions");
    await expectSettledBooks(user.id);
  });
});
