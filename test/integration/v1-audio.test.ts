// POST /v1/audio/transcriptions through the loopback upstream: the OpenAI SDK and curl -F, every
// response_format, billing by the audio's measured length, and clean refusals of uploads that are
// too big, of the wrong type, or not audio at all.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
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

const run = promisify(execFile);
const PER_MINUTE = 6_000_000n;
const TRANSCRIPT = "the quick brown fox jumps over the lazy dog";

let upstream: UpstreamServer;
let model: TestModel;
let dir: string;
let wavPath: string;
let wavSeconds: number;

beforeAll(async () => {
  upstream = await startUpstreamServer();
  model = await registerUpstreamModel(upstream, "TRANSCRIPTION", { audioMinutePrice: PER_MINUTE });
  dir = await mkdtemp(path.join(os.tmpdir(), "v1-audio-"));
  wavPath = path.join(dir, "speech.wav");
  await makeSpeechWav("testing one two three", wavPath);
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

function curlTranscription(secret: string, fields: Record<string, string>): Promise<{ stdout: string }> {
  const form = Object.entries(fields).flatMap(([name, value]) => ["-F", `${name}=${value}`]);
  return run("curl", [
    "-sS",
    "-D",
    "-",
    `${appUrl()}/v1/audio/transcriptions`,
    "-H",
    `Authorization: Bearer ${secret}`,
    "-F",
    `file=@${wavPath}`,
    "-F",
    `model=${model.id}`,
    ...form,
  ]);
}

describe("POST /v1/audio/transcriptions", () => {
  it("transcribes for the OpenAI SDK and charges the audio's measured length", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const client = new OpenAI({ baseURL: `${appUrl()}/v1`, apiKey: key.secret, maxRetries: 0 });

    const transcript = await client.audio.transcriptions.create({ model: model.id, file: await toFile(await readFile(wavPath), "speech.wav"), language: "en" });

    assertOpenAIShape("CreateTranscriptionResponseJson", transcript);
    expect(transcript.text).toBe(TRANSCRIPT);
    const usage = (transcript as unknown as { usage: { type: string; seconds: number; cost: number } }).usage;
    expect(usage.type).toBe("duration");
    expect(usage.seconds).toBeCloseTo(wavSeconds, 1);
    await untilSettled(user.id);
    const log = await db.requestLog.findFirstOrThrow({ where: { userId: user.id } });
    expect(log).toMatchObject({ status: "SUCCEEDED", endpoint: "/v1/audio/transcriptions", cost: costOf(usage.seconds) });
    expect(log.audioSeconds).toBeCloseTo(usage.seconds, 3);
    expect(usage.cost).toBe(nanosToUsdNumber(log.cost));
    expect(upstream.requestsFor(model.upstreamModel).at(-1)!.body).toMatchObject({
      model: model.upstreamModel,
      response_format: "verbose_json",
      language: "en",
    });
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n - log.cost);
  });

  it("answers curl -F in every response_format: text, srt and vtt as plain text, verbose_json with words when asked", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);

    const split = (stdout: string) => {
      const at = stdout.indexOf("\r\n\r\n");
      return { head: stdout.slice(0, at), body: stdout.slice(at + 4) };
    };
    const text = split((await curlTranscription(key.secret, { response_format: "text" })).stdout);
    expect(text.head).toMatch(/content-type: text\/plain/i);
    expect(text.body).toBe(`${TRANSCRIPT}\n`);

    const srt = split((await curlTranscription(key.secret, { response_format: "srt" })).stdout);
    expect(srt.head).toMatch(/content-type: text\/plain/i);
    expect(srt.body).toMatch(new RegExp(`^1\\n00:00:00,000 --> 00:00:0\\d,\\d{3}\\n${TRANSCRIPT}\\n`));

    const vtt = split((await curlTranscription(key.secret, { response_format: "vtt" })).stdout);
    expect(vtt.body).toMatch(new RegExp(`^WEBVTT\\n\\n00:00:00\\.000 --> 00:00:0\\d\\.\\d{3}\\n${TRANSCRIPT}\\n`));

    const verbose = JSON.parse(
      split((await curlTranscription(key.secret, { response_format: "verbose_json", "timestamp_granularities[]": "word" })).stdout).body,
    );
    assertOpenAIShape("CreateTranscriptionResponseVerboseJson", verbose);
    expect(verbose).toMatchObject({ task: "transcribe", language: "english", text: TRANSCRIPT });
    expect(verbose.duration).toBeCloseTo(wavSeconds, 1);
    expect(verbose.words.map((w: { word: string }) => w.word).join(" ")).toBe(TRANSCRIPT);
    expect(verbose.segments[0]).toMatchObject({ id: 0, text: TRANSCRIPT });
    const withoutWords = JSON.parse(split((await curlTranscription(key.secret, { response_format: "verbose_json" })).stdout).body);
    expect(withoutWords).not.toHaveProperty("words");

    await expectSettledBooks(user.id);
    expect(await db.requestLog.count({ where: { userId: user.id, status: "SUCCEEDED" } })).toBe(5);
  });

  it("refuses oversized, mistyped and undecodable uploads and non-multipart bodies with OpenAI-shaped 4xx, costing nothing", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const send = (file: Blob, name: string, extra: Record<string, string> = {}) => {
      const form = new FormData();
      form.set("file", file, name);
      form.set("model", model.id);
      for (const [k, v] of Object.entries(extra)) form.set(k, v);
      return fetch(`${appUrl()}/v1/audio/transcriptions`, { method: "POST", headers: bearer(key.secret), body: form });
    };
    const expectError = async (response: Response, status: number, param: string | null) => {
      const body = await response.json();
      expect(response.status, JSON.stringify(body)).toBe(status);
      assertOpenAIShape("ErrorResponse", body);
      expect(body.error.param).toBe(param);
    };
    const before = upstream.requestsFor(model.upstreamModel).length;

    await expectError(await send(new Blob([new Uint8Array(26 * 1024 * 1024)]), "big.wav"), 413, null);
    await expectError(await send(new Blob(["hello"]), "notes.txt"), 400, "file");
    await expectError(await send(new Blob([new Uint8Array(4096).fill(7)]), "noise.wav"), 400, "file");
    await expectError(await send(new Blob([await readFile(wavPath)]), "speech.wav", { response_format: "docx" }), 400, "response_format");
    await expectError(await send(new Blob([await readFile(wavPath)]), "speech.wav", { speaker: "bob" }), 400, "speaker");
    await expectError(
      await fetch(`${appUrl()}/v1/audio/transcriptions`, {
        method: "POST",
        headers: { ...bearer(key.secret), "content-type": "application/json" },
        body: JSON.stringify({ model: model.id }),
      }),
      415,
      null,
    );
    const missing = new FormData();
    missing.set("model", model.id);
    await expectError(await fetch(`${appUrl()}/v1/audio/transcriptions`, { method: "POST", headers: bearer(key.secret), body: missing }), 400, "file");

    expect(upstream.requestsFor(model.upstreamModel).length).toBe(before);
    expect(await db.requestLog.count({ where: { userId: user.id, reserved: { gt: 0 } } })).toBe(0);
  });

  it("charges nothing when the upstream fails", async () => {
    const failing = await registerUpstreamModel(upstream, "TRANSCRIPTION");
    upstream.behave(failing.upstreamModel, { failWith: 500 });
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const form = new FormData();
    form.set("file", new Blob([await readFile(wavPath)]), "speech.wav");
    form.set("model", failing.id);

    const response = await fetch(`${appUrl()}/v1/audio/transcriptions`, { method: "POST", headers: bearer(key.secret), body: form });

    expect(response.status).toBe(502);
    assertOpenAIShape("ErrorResponse", await response.json());
    expect(await requestLog(response.headers.get("x-request-id"))).toMatchObject({ status: "FAILED", cost: 0n });
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n);
  });
});
