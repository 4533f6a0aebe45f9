// POST /v1/audio/speech through the production server: an upstream model on the loopback server
// (the client's body reaches it with only the model renamed, its audio bytes come back with the
// Content-Type of the format asked for, billed per character and recorded before any byte is
// sent), refusals before anything is held, and the local round trip: ecolink/festival-slt speaks a
// sentence, pocketsphinx/en-us transcribes it back through /v1/audio/transcriptions.
import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { assertOpenAIShape } from "../support/openapi-validator";
import { startUpstreamServer, upstreamSpeechWav, type UpstreamServer } from "../support/upstream-server";
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
import { wordErrorRate } from "../support/word-error-rate";

// Nano-dollars per 1M characters: a tenth of a cent per character.
const PER_MILLION_CHARACTERS = 1_000_000_000_000n;
const PER_CHARACTER = PER_MILLION_CHARACTERS / 1_000_000n;

let upstream: UpstreamServer;
let model: TestModel;

beforeAll(async () => {
  upstream = await startUpstreamServer();
  model = await registerUpstreamModel(upstream, "SPEECH", { characterPrice: PER_MILLION_CHARACTERS });
});

afterAll(async () => {
  await upstream?.close();
});

describe("POST /v1/audio/speech with an upstream model", () => {
  it("relays the client's body unchanged but for the model, returns the audio bytes, and bills the characters", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const input = "Héllo wörld 👋, this is a test.";
    const sent = { model: model.id, input, voice: "alloy", response_format: "wav", speed: 1.25, instructions: "Speak cheerfully.", lang_code: "a" };

    const response = await postJson("/v1/audio/speech", key.secret, sent);

    const settled = await requestLog(response.headers.get("x-request-id"));
    expect(response.status).toBe(200);
    expect(settled.status).toBe("SUCCEEDED");
    expect(response.headers.get("content-type")).toBe("audio/wav");
    const audio = Buffer.from(await response.arrayBuffer());
    expect(audio.equals(upstreamSpeechWav(input))).toBe(true);

    const received = upstream.requestsFor(model.upstreamModel).at(-1)!;
    expect(received.path).toBe("/v1/audio/speech");
    expect(received.body).toEqual({ ...sent, model: model.upstreamModel });

    const characters = [...input].length;
    expect(settled).toMatchObject({ endpoint: "/v1/audio/speech", modelId: model.id, inputCharacters: characters, cost: BigInt(characters) * PER_CHARACTER });
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n - settled.cost);
  });

  it("answers the OpenAI SDK with each format's Content-Type and passes voice objects as they are", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const client = new OpenAI({ baseURL: `${appUrl()}/v1`, apiKey: key.secret, maxRetries: 0 });
    const types = { mp3: "audio/mpeg", opus: "audio/opus", aac: "audio/aac", flac: "audio/flac", wav: "audio/wav", pcm: "audio/pcm" } as const;

    for (const [format, type] of Object.entries(types) as [keyof typeof types, string][]) {
      const response = await client.audio.speech.create({ model: model.id, input: `format ${format}`, voice: "nova", response_format: format });
      expect(response.headers.get("content-type")).toBe(type);
      expect(Buffer.from(await response.arrayBuffer()).equals(upstreamSpeechWav(`format ${format}`))).toBe(true);
      expect(upstream.requestsFor(model.upstreamModel).at(-1)!.body.response_format).toBe(format);
    }
    // The default format is mp3, and the upstream is not told so: it gets the body as sent.
    const plain = await postJson("/v1/audio/speech", key.secret, { model: model.id, input: "hi", voice: { id: "voice_1234" } });
    expect(plain.headers.get("content-type")).toBe("audio/mpeg");
    await plain.arrayBuffer();
    expect(upstream.requestsFor(model.upstreamModel).at(-1)!.body).toEqual({ model: model.upstreamModel, input: "hi", voice: { id: "voice_1234" } });

    await expectSettledBooks(user.id);
    expect(await db.requestLog.count({ where: { userId: user.id, status: "SUCCEEDED" } })).toBe(7);
  });

  it("charges nothing when the upstream fails or is busy", async () => {
    const failing = await registerUpstreamModel(upstream, "SPEECH");
    upstream.behave(failing.upstreamModel, { failWith: 500 });
    const busy = await registerUpstreamModel(upstream, "SPEECH");
    upstream.behave(busy.upstreamModel, { failWith: 429 });
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);

    for (const [target, status] of [
      [failing, 502],
      [busy, 503],
    ] as const) {
      const response = await postJson("/v1/audio/speech", key.secret, { model: target.id, input: "hello", voice: "alloy" });
      expect(response.status).toBe(status);
      assertOpenAIShape("ErrorResponse", await response.json());
      expect(await requestLog(response.headers.get("x-request-id"))).toMatchObject({ status: "FAILED", cost: 0n });
    }
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n);
  });

  it("refuses malformed, oversized and misdirected requests with OpenAI-shaped 400s before holding anything", async () => {
    const embedding = await registerUpstreamModel(upstream, "EMBEDDING");
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const before = upstream.requests.length;
    const ok = { model: model.id, input: "hello", voice: "alloy" };
    const cases: [unknown, string][] = [
      [{ ...ok, model: embedding.id }, "model"],
      [{ model: model.id, voice: "alloy" }, "input"],
      [{ ...ok, input: "" }, "input"],
      [{ ...ok, input: "a".repeat(4097) }, "input"],
      [{ model: model.id, input: "hello" }, "voice"],
      [{ ...ok, voice: 7 }, "voice"],
      [{ ...ok, response_format: "ogg" }, "response_format"],
      [{ ...ok, speed: 4.5 }, "speed"],
      [{ ...ok, speed: 0.1 }, "speed"],
      [{ ...ok, stream_format: "sse" }, "stream_format"],
    ];
    for (const [body, param] of cases) {
      const response = await postJson("/v1/audio/speech", key.secret, body);
      const answer = await response.json();
      expect(response.status, JSON.stringify(answer)).toBe(400);
      assertOpenAIShape("ErrorResponse", answer);
      expect(answer.error.param, JSON.stringify(answer)).toBe(param);
    }
    const accepted = await postJson("/v1/audio/speech", key.secret, { ...ok, stream_format: "audio" });
    expect(accepted.status).toBe(200);
    await accepted.arrayBuffer();
    expect(upstream.requests.length).toBe(before + 1);
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n - 5n * PER_CHARACTER);
  });
});

describe("the local round trip: ecolink/festival-slt speaks, pocketsphinx/en-us listens", () => {
  const SENTENCE = "the quick brown fox jumps over the lazy dog. we will meet at the station at seven in the morning.";

  it("transcribes the synthesized WAV back to the same words, both requests billed exactly", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const client = new OpenAI({ baseURL: `${appUrl()}/v1`, apiKey: key.secret, maxRetries: 0, timeout: 120_000 });

    const speech = await client.audio.speech.create({ model: "ecolink/festival-slt", input: SENTENCE, voice: "alloy", response_format: "wav" });
    expect(speech.headers.get("content-type")).toBe("audio/wav");
    const wav = Buffer.from(await speech.arrayBuffer());
    expect(wav.toString("latin1", 0, 4)).toBe("RIFF");
    expect(wav.toString("latin1", 8, 12)).toBe("WAVE");

    const transcript = await client.audio.transcriptions.create({ model: "pocketsphinx/en-us", file: await toFile(wav, "speech.wav") });
    assertOpenAIShape("CreateTranscriptionResponseJson", transcript);
    expect(wordErrorRate(SENTENCE, transcript.text), transcript.text).toBeLessThanOrEqual(0.35);

    await untilSettled(user.id);
    const festival = await db.model.findUniqueOrThrow({ where: { id: "ecolink/festival-slt" } });
    const spoken = await db.requestLog.findFirstOrThrow({ where: { userId: user.id, endpoint: "/v1/audio/speech" } });
    expect(spoken).toMatchObject({
      status: "SUCCEEDED",
      modelId: "ecolink/festival-slt",
      inputCharacters: SENTENCE.length,
      cost: (BigInt(SENTENCE.length) * festival.characterPrice + 999_999n) / 1_000_000n,
    });
    const heard = await db.requestLog.findFirstOrThrow({ where: { userId: user.id, endpoint: "/v1/audio/transcriptions" } });
    expect(heard.status).toBe("SUCCEEDED");
    expect(heard.audioSeconds).toBeGreaterThan(3);
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n - spoken.cost - heard.cost);
    // Synthesis and recognition both run on the CPU, which the other tests' servers share.
  }, 180_000);
});
