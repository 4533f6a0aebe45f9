// POST /v1/audio/translations through the production server: an upstream Whisper model on the
// loopback server gets Whisper's translate request (no language, no timestamps), answers in every
// response_format, and is billed by the audio's measured length like a transcription; the local
// pocketsphinx model, which cannot translate, is refused before anything is held.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nanosToUsdNumber } from "@/lib/credits/money";
import { db } from "@/lib/db";
import { assertOpenAIShape } from "../support/openapi-validator";
import { makeSpeechWav, wavDurationSeconds } from "../support/speech-fixtures";
import { startUpstreamServer, type UpstreamServer } from "../support/upstream-server";
import {
  appUrl,
  bearer,
  expectSettledBooks,
  fundedUser,
  newApiKey,
  registerUpstreamModel,
  requestLog,
  type TestModel,
  untilSettled,
} from "../support/v1-fixtures";

const PER_MINUTE = 6_000_000n;
const TRANSLATION = "the weather is nice today";

let upstream: UpstreamServer;
let model: TestModel;
let dir: string;
let wav: Buffer;
let wavSeconds: number;

beforeAll(async () => {
  upstream = await startUpstreamServer();
  model = await registerUpstreamModel(upstream, "TRANSCRIPTION", { audioMinutePrice: PER_MINUTE });
  upstream.behave(model.upstreamModel, { transcript: TRANSLATION });
  dir = await mkdtemp(path.join(os.tmpdir(), "v1-translations-"));
  const wavPath = path.join(dir, "speech.wav");
  await makeSpeechWav("testing one two three", wavPath);
  wav = await readFile(wavPath);
  wavSeconds = await wavDurationSeconds(wavPath);
});

afterAll(async () => {
  await upstream?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** What the measured length costs: per millisecond, rounded up. */
function costOf(seconds: number): bigint {
  return (BigInt(Math.ceil(seconds * 1000)) * PER_MINUTE + 59_999n) / 60_000n;
}

function translate(secret: string, fields: Record<string, string>, file: Blob = new Blob([new Uint8Array(wav)]), filename = "speech.wav"): Promise<Response> {
  const form = new FormData();
  form.set("file", file, filename);
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  return fetch(`${appUrl()}/v1/audio/translations`, { method: "POST", headers: bearer(secret), body: form });
}

describe("POST /v1/audio/translations", () => {
  it("sends Whisper's translate request upstream and bills the audio's measured length, for the OpenAI SDK", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const client = new OpenAI({ baseURL: `${appUrl()}/v1`, apiKey: key.secret, maxRetries: 0 });

    const translation = await client.audio.translations.create({
      model: model.id,
      file: await toFile(wav, "speech.wav"),
      prompt: "Weather report.",
      temperature: 0.2,
    });

    assertOpenAIShape("CreateTranslationResponseJson", translation);
    expect(translation.text).toBe(TRANSLATION);
    const received = upstream.requestsFor(model.upstreamModel).at(-1)!;
    expect(received.path).toBe("/v1/audio/translations");
    expect(received.body).toEqual({ model: model.upstreamModel, response_format: "verbose_json", prompt: "Weather report.", temperature: "0.2" });

    const usage = (translation as unknown as { usage: { type: string; seconds: number; cost: number } }).usage;
    expect(usage.seconds).toBeCloseTo(wavSeconds, 1);
    await untilSettled(user.id);
    const log = await db.requestLog.findFirstOrThrow({ where: { userId: user.id } });
    expect(log).toMatchObject({ status: "SUCCEEDED", endpoint: "/v1/audio/translations", modelId: model.id, cost: costOf(usage.seconds) });
    expect(log.audioSeconds).toBeCloseTo(usage.seconds, 3);
    expect(usage.cost).toBe(nanosToUsdNumber(log.cost));
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n - log.cost);
  });

  it("answers verbose_json, text, srt and vtt as transcriptions do", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);

    const verbose = await (await translate(key.secret, { model: model.id, response_format: "verbose_json" })).json();
    assertOpenAIShape("CreateTranslationResponseVerboseJson", verbose);
    expect(verbose).toMatchObject({ task: "translate", language: "english", text: TRANSLATION });
    expect(verbose.duration).toBeCloseTo(wavSeconds, 1);
    expect(verbose).not.toHaveProperty("words");

    const text = await translate(key.secret, { model: model.id, response_format: "text" });
    expect(text.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await text.text()).toBe(`${TRANSLATION}\n`);
    expect(await (await translate(key.secret, { model: model.id, response_format: "srt" })).text()).toMatch(
      new RegExp(`^1\\n00:00:00,000 --> 00:00:0\\d,\\d{3}\\n${TRANSLATION}\\n`),
    );
    expect(await (await translate(key.secret, { model: model.id, response_format: "vtt" })).text()).toMatch(
      new RegExp(`^WEBVTT\\n\\n00:00:00\\.000 --> 00:00:0\\d\\.\\d{3}\\n${TRANSLATION}\\n`),
    );

    await untilSettled(user.id);
    const logs = await db.requestLog.findMany({ where: { userId: user.id } });
    expect(logs.map((log) => [log.status, log.endpoint])).toEqual(Array.from({ length: 4 }, () => ["SUCCEEDED", "/v1/audio/translations"]));
    await expectSettledBooks(user.id);
  });

  it("refuses the local pocketsphinx model, transcription-only fields and bad uploads before holding anything", async () => {
    const chat = await registerUpstreamModel(upstream, "CHAT");
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const before = upstream.requests.length;
    const expectError = async (response: Response, status: number, param: string | null) => {
      const body = await response.json();
      expect(response.status, JSON.stringify(body)).toBe(status);
      assertOpenAIShape("ErrorResponse", body);
      expect(body.error.param).toBe(param);
      return body.error.message as string;
    };

    expect(await expectError(await translate(key.secret, { model: "pocketsphinx/en-us" }), 400, "model")).toContain(
      "translation needs an upstream Whisper model",
    );
    await expectError(await translate(key.secret, { model: chat.id }), 400, "model");
    await expectError(await translate(key.secret, { model: model.id, language: "de" }), 400, "language");
    await expectError(await translate(key.secret, { model: model.id, "timestamp_granularities[]": "word" }), 400, "timestamp_granularities[]");
    await expectError(await translate(key.secret, { model: model.id, response_format: "docx" }), 400, "response_format");
    await expectError(await translate(key.secret, { model: model.id, temperature: "hot" }), 400, "temperature");
    await expectError(await translate(key.secret, { model: model.id }, new Blob(["hello"]), "notes.txt"), 400, "file");
    await expectError(await translate(key.secret, { model: model.id }, new Blob([new Uint8Array(4096).fill(7)]), "noise.wav"), 400, "file");

    expect(upstream.requests.length).toBe(before);
    expect(await db.requestLog.count({ where: { userId: user.id, status: { not: "FAILED" } } })).toBe(0);
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n);
  });

  it("charges nothing when the upstream fails", async () => {
    const failing = await registerUpstreamModel(upstream, "TRANSCRIPTION");
    upstream.behave(failing.upstreamModel, { failWith: 500 });
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);

    const response = await translate(key.secret, { model: failing.id });

    expect(response.status).toBe(502);
    assertOpenAIShape("ErrorResponse", await response.json());
    expect(await requestLog(response.headers.get("x-request-id"))).toMatchObject({ status: "FAILED", cost: 0n, endpoint: "/v1/audio/translations" });
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n);
  });
});
