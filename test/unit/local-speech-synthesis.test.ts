// The local speech engine for real: festival speaks, ffmpeg encodes, ffprobe checks what came out,
// and the local pocketsphinx transcription has to hear the words that were asked for.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { beforeAll, describe, expect, it } from "vitest";

import { DomainError } from "@/lib/errors";
import { localSpeechSynthesisAvailability, SPEECH_FORMATS, synthesizeSpeech, SYNTHESIZED_SAMPLE_RATE } from "@/lib/inference/providers/local/speech/synthesize";
import { localSpeechAvailability, transcribeAudio } from "@/lib/inference/providers/local/speech/transcribe";

import { wordErrorRate } from "../support/word-error-rate";

const run = promisify(execFile);

const SENTENCE = "the quick brown fox jumps over the lazy dog. we will meet at the station at seven in the morning.";
const SHORT = "hello there, how are you today?";

interface Probe {
  codec: string;
  sampleRate: number;
  channels: number;
}

/** What ffprobe (not our code) makes of the bytes, after writing them to a file. */
async function probe(audio: Uint8Array, extension: string, inputFormat?: string[]): Promise<Probe> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "synthesis-test-"));
  try {
    const file = path.join(dir, `audio.${extension}`);
    await writeFile(file, audio);
    const { stdout } = await run("ffprobe", [
      "-v",
      "error",
      ...(inputFormat ?? []),
      "-show_entries",
      "stream=codec_name,sample_rate,channels",
      "-of",
      "json",
      file,
    ]);
    const stream = (JSON.parse(stdout) as { streams: { codec_name: string; sample_rate: string; channels: number }[] }).streams[0]!;
    return { codec: stream.codec_name, sampleRate: Number(stream.sample_rate), channels: stream.channels };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Seconds of audio ffmpeg decodes from the bytes (the decoder's count, not a header's claim). */
async function decodedSeconds(audio: Uint8Array, extension: string): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "synthesis-test-"));
  try {
    const file = path.join(dir, `audio.${extension}`);
    await writeFile(file, audio);
    const { stdout } = await run("ffmpeg", ["-v", "error", "-i", file, "-ac", "1", "-ar", "24000", "-f", "s16le", "pipe:1"], {
      encoding: "buffer",
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout.length / 2 / 24_000;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Child processes of this test process whose command line mentions `name`. */
async function childProcessesNamed(name: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      // Field 4 (after the parenthesised command name) is the parent's pid.
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, "utf8")).replaceAll("\0", " ");
      if (parent === process.pid && cmdline.includes(name)) found.push(Number(entry));
    } catch {
      // The process ended while being read.
    }
  }
  return found;
}

describe("word error rate (the test helper)", () => {
  it("counts substitutions, deletions and insertions against the reference's length", () => {
    expect(wordErrorRate("the cat sat down", "the cat sat down")).toBe(0);
    // "dog" for "cat" (substitution), "down" missing (deletion): 2 of 4.
    expect(wordErrorRate("the cat sat down", "The dog, sat.")).toBe(0.5);
    // One extra word: 1 of 2.
    expect(wordErrorRate("hello world", "hello big world")).toBe(0.5);
    expect(wordErrorRate("hello world", "")).toBe(1);
  });
});

describe("local speech synthesis (festival + ffmpeg)", () => {
  it("has festival, its slt voice and ffmpeg installed (and transcription its packages)", () => {
    expect(localSpeechSynthesisAvailability()).toEqual({ available: true, missing: [] });
    expect(localSpeechAvailability()).toEqual({ available: true, missing: [] });
  });

  it.each([
    ["wav", 1],
    ["mp3", 1.25],
  ] as const)("speaks words the local pocketsphinx transcription hears back (word error rate ≤ 0.35): %s at speed %s", async (format, speed) => {
    const audio = await synthesizeSpeech(SENTENCE, { format, speed });
    const transcript = await transcribeAudio(audio, { filename: `speech.${format}` });
    const wer = wordErrorRate(SENTENCE, transcript.text);
    console.info(`local speech round trip (${format}, speed ${speed}): WER ${(wer * 100).toFixed(0)}%, heard "${transcript.text}"`);
    expect(transcript.text.length, `transcript: "${transcript.text}"`).toBeGreaterThan(0);
    expect(wer, `transcript: "${transcript.text}"`).toBeLessThanOrEqual(0.35);
  });

  const expectedCodec: Record<(typeof SPEECH_FORMATS)[number], string> = {
    mp3: "mp3",
    wav: "pcm_s16le",
    opus: "opus",
    flac: "flac",
    pcm: "pcm_s16le",
    aac: "aac",
  };

  describe("each format", () => {
    // Reference: the raw samples of the same text.
    let pcm: Uint8Array;
    let pcmSeconds: number;
    beforeAll(async () => {
      pcm = await synthesizeSpeech(SHORT, { format: "pcm", speed: 1 });
      pcmSeconds = pcm.length / 2 / SYNTHESIZED_SAMPLE_RATE;
    });

    it("pcm is raw 16-bit samples at 24 kHz mono, as long as the sentence", async () => {
      expect(pcm.length % 2).toBe(0);
      // "hello there, how are you today?" is six words: well over a second, well under ten.
      expect(pcmSeconds).toBeGreaterThan(1);
      expect(pcmSeconds).toBeLessThan(10);
      expect(await probe(pcm, "pcm", ["-f", "s16le", "-ar", "24000", "-ac", "1"])).toMatchObject({ codec: "pcm_s16le", channels: 1 });
    });

    it.each(SPEECH_FORMATS.filter((format) => format !== "pcm"))("%s decodes as its codec at 24 kHz mono, as long as the pcm", async (format) => {
      const audio = await synthesizeSpeech(SHORT, { format, speed: 1 });
      const probed = await probe(audio, format === "opus" ? "ogg" : format);
      expect(probed).toMatchObject({ codec: expectedCodec[format], channels: 1 });
      // Opus always decodes at 48 kHz; ffprobe reports that for every Ogg Opus stream.
      expect(probed.sampleRate).toBe(format === "opus" ? 48_000 : SYNTHESIZED_SAMPLE_RATE);
      const seconds = await decodedSeconds(audio, format);
      // Lossy encoders pad the start and end by some milliseconds; the speech is the same length.
      expect(Math.abs(seconds - pcmSeconds), `${seconds} s vs ${pcmSeconds} s`).toBeLessThan(0.15);
      if (format === "wav") {
        // The canonical 44-byte header, and a real one (written to a file, not a pipe): it declares the samples that follow.
        expect(Buffer.from(audio).toString("latin1", 0, 4)).toBe("RIFF");
        expect(Buffer.from(audio).readUInt32LE(40)).toBe(pcm.length);
        expect(audio.length).toBe(44 + pcm.length);
      }
    });
  });

  describe("speed", () => {
    const seconds = async (speed: number) => (await synthesizeSpeech(SHORT, { format: "pcm", speed })).length / 2 / SYNTHESIZED_SAMPLE_RATE;
    let normal: number;
    beforeAll(async () => {
      normal = await seconds(1);
    });

    it.each([2, 0.5, 0.25])("%s scales the length by 1/speed, give or take a tenth", async (speed) => {
      const ratio = (await seconds(speed)) / normal;
      expect(ratio).toBeGreaterThan((1 / speed) * 0.9);
      expect(ratio).toBeLessThan((1 / speed) * 1.1);
    });
  });

  it("kills festival when the signal aborts, and rejects at once with the signal's reason", async () => {
    const controller = new AbortController();
    // Long enough that festival is still speaking when the abort comes.
    const long = `${SENTENCE} `.repeat(40).slice(0, 4_000);
    const synthesis = synthesizeSpeech(long, { format: "mp3", speed: 1, signal: controller.signal });
    const outcome = synthesis.then(
      () => "resolved",
      (error: unknown) => error,
    );
    let running: number[] = [];
    for (let i = 0; i < 100 && running.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      running = await childProcessesNamed("text2wave");
    }
    expect(running.length, "text2wave never started").toBe(1);

    const reason = new Error("client went away");
    const abortedAt = Date.now();
    controller.abort(reason);
    expect(await outcome).toBe(reason);
    expect(Date.now() - abortedAt).toBeLessThan(2_000);
    expect(await childProcessesNamed("text2wave")).toEqual([]);
    // The process is gone, not just detached from us.
    expect(() => process.kill(running[0]!, 0)).toThrow();
  });

  it("refuses input over 4096 characters, empty input, unpronounceable input and speeds outside 0.25–4", async () => {
    const refusal = (text: string, speed = 1) =>
      synthesizeSpeech(text, { format: "wav", speed }).then(
        () => null,
        (error: unknown) => error,
      );
    const tooLong = await refusal("a".repeat(4_097));
    expect(tooLong).toBeInstanceOf(DomainError);
    expect(tooLong).toMatchObject({ code: "invalid_request", details: { param: "input" } });
    expect((tooLong as Error).message).toMatch(/4097 characters.*maximum is 4096/);
    expect(await refusal("   ")).toMatchObject({ code: "invalid_request", details: { param: "input" } });
    expect(await refusal("日本語")).toMatchObject({ code: "invalid_request", details: { param: "input" } });
    expect(await refusal("hello", 4.5)).toMatchObject({ code: "invalid_request", details: { param: "speed" } });
    expect(await refusal("hello", 0.2)).toMatchObject({ code: "invalid_request", details: { param: "speed" } });
    expect(await refusal("hello", Number.NaN)).toMatchObject({ code: "invalid_request", details: { param: "speed" } });
  });

  it("speaks text with accents and symbols festival reads as Latin-1 (folded to ASCII) without failing", async () => {
    const audio = await synthesizeSpeech("Café naïve — “quoted” 😀 text", { format: "pcm", speed: 1 });
    expect(audio.length / 2 / SYNTHESIZED_SAMPLE_RATE).toBeGreaterThan(0.5);
  });
});
