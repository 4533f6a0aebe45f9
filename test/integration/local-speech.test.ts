// Local speech-to-text end to end on real tools: festival speaks, ffmpeg encodes the upload
// formats, and transcribeAudio runs the real ffmpeg + pocketsphinx pipeline on the bytes.
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DomainError } from "@/lib/errors";
import { measureAudioSeconds } from "@/lib/inference/audio/duration";
import { toSrt, toVtt } from "@/lib/inference/audio/subtitles";
import { localSpeechAvailability, transcribeAudio } from "@/lib/inference/providers/local/speech/transcribe";
import type { Transcript, TranscriptSegment } from "@/lib/inference/providers/types";
import { convertAudio, joinWithPauses, KNOWN_SENTENCE, makeSilenceWav, makeSpeechWav, wavDurationSeconds, wordErrorRate } from "@/test/support/speech-fixtures";

const SECOND_SENTENCE = "the children played in the park until it started to rain";
const THIRD_SENTENCE = "we need to finish the report before the meeting on friday morning";

let fixtureDir: string;
let knownWav: string;
let knownSeconds: number;
/** What transcribeAudio puts under os.tmpdir() is checked to be gone after every call. */
let speechTmpDir: string;
const originalTmpDir = process.env.TMPDIR;

beforeAll(async () => {
  fixtureDir = await mkdtemp(path.join(os.tmpdir(), "local-speech-test-"));
  knownWav = path.join(fixtureDir, "known.wav");
  await makeSpeechWav(KNOWN_SENTENCE, knownWav);
  knownSeconds = await wavDurationSeconds(knownWav);
  await convertAudio(knownWav, path.join(fixtureDir, "known.mp3"));
  await convertAudio(knownWav, path.join(fixtureDir, "known.webm"));
  const sentences = [KNOWN_SENTENCE, SECOND_SENTENCE, THIRD_SENTENCE];
  const parts = sentences.map((_, i) => path.join(fixtureDir, `part-${i}.wav`));
  await Promise.all(sentences.map((sentence, i) => makeSpeechWav(sentence, parts[i]!)));
  await joinWithPauses(parts, 1.5, path.join(fixtureDir, "three-sentences.wav"));
  await makeSilenceWav(2, path.join(fixtureDir, "silence.wav"));

  speechTmpDir = await mkdtemp(path.join(os.tmpdir(), "local-speech-tmp-"));
  process.env.TMPDIR = speechTmpDir;
});

afterAll(async () => {
  if (originalTmpDir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = originalTmpDir;
  await rm(fixtureDir, { recursive: true, force: true });
  await rm(speechTmpDir, { recursive: true, force: true });
});

async function upload(name: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path.join(fixtureDir, name)));
}

async function expectNoTempFilesLeft(): Promise<void> {
  expect(await readdir(speechTmpDir)).toEqual([]);
}

function expectWellFormedTimings(transcript: Transcript): void {
  let previousEnd = 0;
  for (const word of transcript.words) {
    expect(word.start).toBeGreaterThanOrEqual(previousEnd);
    expect(word.end).toBeGreaterThan(word.start);
    expect(word.end).toBeLessThanOrEqual(transcript.durationSeconds);
    previousEnd = word.end;
  }
  expect(transcript.segments.map((segment) => segment.id)).toEqual(transcript.segments.map((_, i) => i));
  expect(transcript.segments.map((segment) => segment.text).join(" ")).toBe(transcript.text);
  expect(transcript.words.map((word) => word.word).join(" ")).toBe(transcript.text);
}

describe("local speech-to-text (ffmpeg + pocketsphinx)", () => {
  it("finds ffmpeg, pocketsphinx and its English model installed", () => {
    expect(localSpeechAvailability()).toEqual({ available: true, missing: [] });
  });

  it.each(["wav", "mp3", "webm"])(
    "transcribes the known sentence uploaded as %s with at most one word in four wrong, timed within its length",
    async (format) => {
      const audio = await upload(`known.${format}`);
      const transcript = await transcribeAudio(audio, { filename: `speech.${format}`, language: "en" });

      const errorRate = wordErrorRate(KNOWN_SENTENCE, transcript.text);
      console.info(`${format}: "${transcript.text}" (word error ${(errorRate * 100).toFixed(1)}%)`);
      expect(errorRate).toBeLessThanOrEqual(0.25);
      expect(transcript.language).toBe("english");
      expect(Math.abs(transcript.durationSeconds - knownSeconds)).toBeLessThanOrEqual(0.1);
      expect(Math.abs((await measureAudioSeconds(audio, `speech.${format}`)) - knownSeconds)).toBeLessThanOrEqual(0.1);
      expect(transcript.words.length).toBeGreaterThan(5);
      expectWellFormedTimings(transcript);
      await expectNoTempFilesLeft();
    },
  );

  it("splits speech separated by pauses into one timed segment per sentence", async () => {
    const audio = await upload("three-sentences.wav");
    const transcript = await transcribeAudio(audio, { filename: "three.wav" });

    expect(transcript.segments).toHaveLength(3);
    [KNOWN_SENTENCE, SECOND_SENTENCE, THIRD_SENTENCE].forEach((sentence, i) => {
      expect(wordErrorRate(sentence, transcript.segments[i]!.text)).toBeLessThanOrEqual(0.25);
    });
    // Each sentence lasts about 3.5 s and 1.5 s of silence separates them.
    const [first, second, third] = transcript.segments;
    expect(second!.start - first!.end).toBeGreaterThan(1);
    expect(third!.start - second!.end).toBeGreaterThan(1);
    expectWellFormedTimings(transcript);
  });

  it("gives an empty transcript for silence, with its duration", async () => {
    const transcript = await transcribeAudio(await upload("silence.wav"), { filename: "silence.wav" });

    expect(transcript).toMatchObject({ text: "", segments: [], words: [] });
    expect(transcript.durationSeconds).toBeCloseTo(2, 2);
    await expectNoTempFilesLeft();
  });

  it("refuses bytes that are not audio as an invalid file, measuring and transcribing alike", async () => {
    // A fixed byte pattern, so a failure reproduces.
    const garbage = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251);
    const invalidFile = { code: "invalid_request", details: { param: "file" } };

    const error: unknown = await transcribeAudio(garbage, { filename: "speech.mp3" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject(invalidFile);
    await expect(measureAudioSeconds(garbage, "speech.wav")).rejects.toMatchObject(invalidFile);
    await expect(transcribeAudio(new Uint8Array(), { filename: "empty.webm" })).rejects.toMatchObject(invalidFile);
    await expectNoTempFilesLeft();
  });

  it("refuses languages other than English", async () => {
    await expect(transcribeAudio(await upload("known.wav"), { language: "fr" })).rejects.toMatchObject({
      code: "invalid_request",
      details: { param: "language" },
    });
  });

  it("kills the running decoder and cleans up when the caller aborts", async () => {
    const audio = await upload("three-sentences.wav");
    const controller = new AbortController();
    const transcription = transcribeAudio(audio, { filename: "three.wav", signal: controller.signal });
    transcription.catch(() => {});
    await expect.poll(childProcessNames, { interval: 20, timeout: 20_000 }).toMatch(/pocketsphinx/);
    controller.abort();

    await expect(transcription).rejects.toMatchObject({ name: "AbortError" });
    expect(childProcessNames()).not.toMatch(/ffmpeg|pocketsphinx/);
    await expectNoTempFilesLeft();
  });

  it("renders a real transcript as numbered SRT cues and as WebVTT", async () => {
    const transcript = await transcribeAudio(await upload("three-sentences.wav"), { filename: "three.wav" });
    const srt = toSrt(transcript.segments);
    const vtt = toVtt(transcript.segments);

    const srtCues = srt.trimEnd().split("\n\n");
    expect(srtCues).toHaveLength(transcript.segments.length);
    srtCues.forEach((cue, i) => {
      const [number, timing, text] = cue.split("\n");
      expect(number).toBe(String(i + 1));
      expect(timing).toMatch(/^\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}$/);
      expectCueTimesOf(timing!, transcript.segments[i]!);
      expect(text).toBe(transcript.segments[i]!.text);
    });

    const [header, ...vttCues] = vtt.trimEnd().split("\n\n");
    expect(header).toBe("WEBVTT");
    expect(vttCues).toHaveLength(transcript.segments.length);
    vttCues.forEach((cue, i) => {
      const [timing, text] = cue.split("\n");
      expect(timing).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} --> \d{2}:\d{2}:\d{2}\.\d{3}$/);
      expectCueTimesOf(timing!, transcript.segments[i]!);
      expect(text).toBe(transcript.segments[i]!.text);
    });
  });

  it("ships a browser-test fixture that is 16 kHz mono speech of the known sentence", async () => {
    const fixture = path.resolve(__dirname, "../fixtures/known-sentence.wav");
    const bytes = await readFile(fixture);
    expect(bytes.readUInt16LE(22)).toBe(1);
    expect(bytes.readUInt32LE(24)).toBe(16_000);
    expect(bytes.length).toBeLessThan(300_000);

    const transcript = await transcribeAudio(new Uint8Array(bytes), { filename: "known-sentence.wav" });
    expect(wordErrorRate(KNOWN_SENTENCE, transcript.text)).toBeLessThanOrEqual(0.25);
    expect(transcript.durationSeconds).toBeCloseTo(await wavDurationSeconds(fixture), 2);
  });
});

function childProcessNames(): string {
  return execFileSync("ps", ["-o", "comm=", "--ppid", String(process.pid)], { encoding: "utf8" });
}

/** Reads `HH:MM:SS,mmm --> HH:MM:SS,mmm` (or with `.`) back and compares it with the segment. */
function expectCueTimesOf(timing: string, segment: TranscriptSegment): void {
  const [start, end] = timing.split(" --> ").map((time) => {
    const [hours, minutes, seconds] = time.replace(",", ".").split(":").map(Number);
    return hours! * 3600 + minutes! * 60 + seconds!;
  });
  expect(Math.abs(start! - segment.start)).toBeLessThan(0.001);
  expect(Math.abs(end! - segment.end)).toBeLessThan(0.001);
}
