// The demo models that run inside the app on the CPU, through the real /v1 API: ecolink/tiny-chat
// (streaming, seeds, max_tokens, stop, exact token usage), ecolink/pattern (PNGs of the requested
// size) and pocketsphinx/en-us (festival speech, every response_format). The quickstart and the
// Models page's code samples are run as written.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import OpenAI, { toFile } from "openai";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelCodeSamples } from "@/components/models/model-code-samples";
import { quickstartSamples } from "@/components/console/quickstart";
import { nanosToUsdNumber } from "@/lib/credits/money";
import { chatCost } from "@/lib/inference/pricing";
import { countChatPromptTokens } from "@/lib/inference/providers/local/tiny-chat/generate";
import { findModel } from "@/lib/inference/registry";
import { modelCatalog } from "@/lib/inference/catalog";
import { db } from "@/lib/db";
import { assertCompletionChunk, assertOpenAIShape } from "../support/openapi-validator";
import { KNOWN_SENTENCE, makeSpeechWav, wavDurationSeconds, wordErrorRate } from "../support/speech-fixtures";
import { appUrl, expectSettledBooks, fundedUser, newApiKey, requestLog, untilSettled } from "../support/v1-fixtures";

const run = promisify(execFile);

let secret: string;
let userId: string;
let client: OpenAI;
let dir: string;

beforeAll(async () => {
  const user = await fundedUser("5.00");
  userId = user.id;
  secret = (await newApiKey(user.id)).secret;
  client = new OpenAI({ baseURL: `${appUrl()}/v1`, apiKey: secret, maxRetries: 0, timeout: 120_000 });
  dir = await mkdtemp(path.join(os.tmpdir(), "v1-local-"));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  if (userId) await expectSettledBooks(userId);
});

async function streamText(
  request: OpenAI.ChatCompletionCreateParamsStreaming,
): Promise<{ text: string; chunks: number; finish: string | null; usage: OpenAI.CompletionUsage | null }> {
  const stream = await client.chat.completions.create(request);
  let text = "";
  let chunks = 0;
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | null = null;
  for await (const chunk of stream) {
    assertOpenAIShape("CreateChatCompletionStreamResponse", chunk);
    const delta = chunk.choices[0]?.delta.content;
    if (delta) {
      text += delta;
      chunks += 1;
    }
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, chunks, finish, usage };
}

describe("ecolink/tiny-chat", () => {
  const messages = [{ role: "user" as const, content: "Tell me something about the sea." }];

  it("answers the quickstart's curl command exactly as printed", async () => {
    const curl = quickstartSamples(`${appUrl()}/v1`).find((sample) => sample.label === "curl")!.code;

    const { stdout } = await run("sh", ["-c", curl], { env: { ...process.env, ECOLINK_API_KEY: secret } });

    const body = JSON.parse(stdout);
    assertOpenAIShape("CreateChatCompletionResponse", body);
    expect(body.model).toBe("ecolink/tiny-chat");
    expect(body.choices[0].message.content.length).toBeGreaterThan(0);
    expect(body.usage.prompt_tokens).toBe(countChatPromptTokens([{ role: "user", content: "Hello!" }]));
  });

  it("streams in many chunks, repeats itself for the same seed, and reports the tokenizer's exact usage", async () => {
    const request = {
      model: "ecolink/tiny-chat",
      messages,
      max_tokens: 40,
      temperature: 1,
      seed: 1234,
      stream: true as const,
      stream_options: { include_usage: true },
    };

    const first = await streamText(request);
    const second = await streamText(request);

    expect(first.chunks).toBeGreaterThan(5);
    expect(second.text).toBe(first.text);
    expect(first.usage!.prompt_tokens).toBe(countChatPromptTokens(messages));
    expect(first.usage!.completion_tokens).toBeLessThanOrEqual(40);
    if (first.finish === "length") expect(first.usage!.completion_tokens).toBe(40);
    const model = (await findModel("ecolink/tiny-chat"))!;
    const cost = chatCost(model.prices, { promptTokens: first.usage!.prompt_tokens, completionTokens: first.usage!.completion_tokens });
    expect((first.usage as unknown as { cost: number }).cost).toBe(nanosToUsdNumber(cost));
  });

  it("honours max_tokens and stop sequences", async () => {
    const capped = await client.chat.completions.create({ model: "ecolink/tiny-chat", messages, max_tokens: 3, temperature: 0 });
    assertOpenAIShape("CreateChatCompletionResponse", capped);
    expect(capped.usage!.completion_tokens).toBeLessThanOrEqual(3);

    const free = await streamText({ model: "ecolink/tiny-chat", messages, max_tokens: 60, temperature: 0, stream: true });
    const words = free.text.split(/\s+/).filter((w) => w.length >= 3);
    const stop = words[Math.min(2, words.length - 1)]!;
    const stopped = await streamText({ model: "ecolink/tiny-chat", messages, max_tokens: 60, temperature: 0, stop: [stop], stream: true });

    expect(stopped.text).toBe(free.text.slice(0, free.text.indexOf(stop)));
    expect(stopped.finish).toBe("stop");
  });

  it("answers legacy text completions, plain and streamed, continuing the prompt as a user message", async () => {
    const prompt = "Tell me about the sea.";
    const plain = await client.completions.create({ model: "ecolink/tiny-chat", prompt, max_tokens: 8, temperature: 0 });
    assertOpenAIShape("CreateCompletionResponse", plain);
    expect(plain.object).toBe("text_completion");
    expect(plain.choices[0]!.text.length).toBeGreaterThan(0);
    const chat = await client.chat.completions.create({
      model: "ecolink/tiny-chat",
      messages: [{ role: "user", content: prompt }],
      max_tokens: 8,
      temperature: 0,
    });
    expect(plain.choices[0]!.text).toBe(chat.choices[0]!.message.content);
    expect(plain.usage).toMatchObject({ prompt_tokens: chat.usage!.prompt_tokens, completion_tokens: chat.usage!.completion_tokens });

    const stream = await client.completions.create({
      model: "ecolink/tiny-chat",
      prompt,
      max_tokens: 8,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      assertCompletionChunk(chunk);
      text += chunk.choices[0]?.text ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(plain.choices[0]!.text);
    expect(usage?.completion_tokens).toBe(plain.usage!.completion_tokens);

    // What a chat model cannot do with a raw prompt is refused, naming the parameter, for nothing.
    await expect(client.completions.create({ model: "ecolink/tiny-chat", prompt, echo: true })).rejects.toMatchObject({ status: 400, param: "echo" });
    await expect(client.completions.create({ model: "ecolink/tiny-chat", prompt: [1, 2, 3] })).rejects.toMatchObject({ status: 400, param: "prompt" });
    await expect(client.completions.create({ model: "ecolink/tiny-chat", prompt, logprobs: 2 })).rejects.toMatchObject({ status: 400, param: "logprobs" });
  });

  it("refuses what it cannot do — tools, JSON mode, images, several choices — naming the parameter and the model", async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Hi" }];
    const tools: OpenAI.ChatCompletionTool[] = [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: {} } } }];
    await expect(client.chat.completions.create({ model: "ecolink/tiny-chat", messages, tools })).rejects.toMatchObject({
      status: 400,
      param: "tools",
      message: expect.stringContaining("ecolink/tiny-chat does not support tool calling"),
    });
    await expect(client.chat.completions.create({ model: "ecolink/tiny-chat", messages, response_format: { type: "json_object" } })).rejects.toMatchObject({
      status: 400,
      param: "response_format",
    });
    await expect(
      client.chat.completions.create({
        model: "ecolink/tiny-chat",
        messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }] }],
      }),
    ).rejects.toMatchObject({ status: 400, param: "messages[0].content[0]" });
    await expect(client.chat.completions.create({ model: "ecolink/tiny-chat", messages, n: 2 })).rejects.toMatchObject({ status: 400, param: "n" });
    const retrieved = (await client.models.retrieve("ecolink/tiny-chat")) as unknown as { capabilities: Record<string, unknown> };
    expect(retrieved.capabilities).toEqual({
      tools: false,
      json_mode: false,
      structured_outputs: false,
      vision: false,
      audio_input: false,
      logprobs: false,
      max_n: 1,
    });
  });
});

describe("ecolink/pattern", () => {
  it("draws PNGs of the requested size, as base64 and as links", async () => {
    const b64 = await client.images.generate({ model: "ecolink/pattern", prompt: "a calm blue sea", size: "1024x1792", response_format: "b64_json", n: 2 });
    assertOpenAIShape("ImagesResponse", b64);
    for (const image of b64.data!) {
      expect(await sharp(Buffer.from(image.b64_json!, "base64")).metadata()).toMatchObject({ format: "png", width: 1024, height: 1792 });
    }
    expect(b64.data![0]!.b64_json).not.toBe(b64.data![1]!.b64_json);

    const linked = await client.images.generate({ model: "ecolink/pattern", prompt: "a calm blue sea", size: "256x256" });
    assertOpenAIShape("ImagesResponse", linked);
    const png = await fetch(linked.data![0]!.url!);
    expect(await sharp(Buffer.from(await png.arrayBuffer())).metadata()).toMatchObject({ format: "png", width: 256, height: 256 });
  });

  it("runs the Models page's curl sample as written", async () => {
    const catalog = await modelCatalog();
    const curl = modelCodeSamples(catalog.find((m) => m.id === "ecolink/pattern")!, `${appUrl()}/v1`).find((s) => s.label === "curl")!.code;

    const { stdout } = await run("sh", ["-c", curl], { env: { ...process.env, ECOLINK_API_KEY: secret }, maxBuffer: 64 * 1024 * 1024 });

    const body = JSON.parse(stdout);
    assertOpenAIShape("ImagesResponse", body);
    expect(await sharp(Buffer.from(body.data[0].b64_json, "base64")).metadata()).toMatchObject({ width: 1024, height: 1024 });
  });
});

describe("pocketsphinx/en-us", () => {
  let wavPath: string;
  let seconds: number;

  beforeAll(async () => {
    wavPath = path.join(dir, "speech.wav");
    await makeSpeechWav(KNOWN_SENTENCE, wavPath);
    seconds = await wavDurationSeconds(wavPath);
  });

  it("transcribes festival speech in every response_format and bills its length", async () => {
    const file = async () => toFile(await readFile(wavPath), "speech.wav");

    const json = await client.audio.transcriptions.create({ model: "pocketsphinx/en-us", file: await file() });
    assertOpenAIShape("CreateTranscriptionResponseJson", json);
    expect(wordErrorRate(KNOWN_SENTENCE, json.text)).toBeLessThanOrEqual(0.2);

    const verbose = await client.audio.transcriptions.create({
      model: "pocketsphinx/en-us",
      file: await file(),
      response_format: "verbose_json",
      timestamp_granularities: ["word", "segment"],
    });
    assertOpenAIShape("CreateTranscriptionResponseVerboseJson", verbose);
    expect(verbose.duration).toBeCloseTo(seconds, 1);
    expect(verbose.words!.length).toBeGreaterThan(5);
    expect(verbose.segments!.length).toBeGreaterThan(0);

    const text = await client.audio.transcriptions.create({ model: "pocketsphinx/en-us", file: await file(), response_format: "text" });
    expect(wordErrorRate(KNOWN_SENTENCE, String(text))).toBeLessThanOrEqual(0.2);
    const srt = String(await client.audio.transcriptions.create({ model: "pocketsphinx/en-us", file: await file(), response_format: "srt" }));
    expect(srt).toMatch(/^1\n\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}\n\S/);
    const vtt = String(await client.audio.transcriptions.create({ model: "pocketsphinx/en-us", file: await file(), response_format: "vtt" }));
    expect(vtt).toMatch(/^WEBVTT\n\n\d{2}:\d{2}:\d{2}\.\d{3} --> /);

    await untilSettled(userId);
    const logs = await db.requestLog.findMany({ where: { userId, modelId: "pocketsphinx/en-us" } });
    expect(logs).toHaveLength(5);
    for (const log of logs) {
      expect(log.status).toBe("SUCCEEDED");
      expect(log.audioSeconds).toBeCloseTo(seconds, 1);
      expect(log.cost > 0n).toBe(true);
    }
  });

  it("runs the Models page's curl sample with speech.wav in the working directory", async () => {
    const catalog = await modelCatalog();
    const curl = modelCodeSamples(catalog.find((m) => m.id === "pocketsphinx/en-us")!, `${appUrl()}/v1`).find((s) => s.label === "curl")!.code;

    const { stdout } = await run("sh", ["-c", `${curl} -D ${path.join(dir, "headers.txt")}`], { cwd: dir, env: { ...process.env, ECOLINK_API_KEY: secret } });

    const body = JSON.parse(stdout);
    assertOpenAIShape("CreateTranscriptionResponseJson", body);
    expect(wordErrorRate(KNOWN_SENTENCE, body.text)).toBeLessThanOrEqual(0.2);
    const requestId = /x-request-id: (\S+)/i.exec(await readFile(path.join(dir, "headers.txt"), "utf8"))?.[1] ?? null;
    expect(await requestLog(requestId)).toMatchObject({ status: "SUCCEEDED", modelId: "pocketsphinx/en-us" });
  });
});
