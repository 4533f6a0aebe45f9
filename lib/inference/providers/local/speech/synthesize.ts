// Local text-to-speech on the CPU for the demo's speech model: Debian's festival speaks the text
// with its HTS voice `cmu_us_slt_arctic_hts` (package festvox-us-slt-hts, a US English female
// voice) into a WAV file, then ffmpeg changes the tempo and encodes the format the caller asked
// for, at 24 kHz mono like OpenAI's speech output. The demo has exactly ONE voice: every OpenAI
// voice name (alloy, echo, nova, …) is spoken by it. The text reaches festival only as the content
// of a file in a fresh temp directory (never on a command line or inside a Scheme expression), and
// both child processes are killed when the caller's signal aborts.
import "server-only";
import { readFile } from "node:fs/promises";
import path from "node:path";

import { DomainError } from "@/lib/errors";
import { localWorkQueue } from "@/lib/inference/providers/local/work-queue";

import { isOnPath, isReadable } from "./installed";
import { withUploadInTempDir } from "@/lib/inference/audio/ffmpeg";
import { ProcessFailedError, runProcess } from "@/lib/inference/audio/run-process";

export const SPEECH_FORMATS = ["mp3", "wav", "opus", "flac", "pcm", "aac"] as const;
export type SpeechFormat = (typeof SPEECH_FORMATS)[number];

/** OpenAI's limit on `input` for /v1/audio/speech. */
export const MAX_SPEECH_INPUT_CHARACTERS = 4_096;
export const MIN_SPEECH_SPEED = 0.25;
export const MAX_SPEECH_SPEED = 4;
/** The output's sample rate for every format; `pcm` is raw 16-bit little-endian mono at this rate, as OpenAI's is. */
export const SYNTHESIZED_SAMPLE_RATE = 24_000;

const FESTIVAL_VOICE = "cmu_us_slt_arctic_hts";
const FESTIVAL_VOICE_DIR = `/usr/share/festival/voices/us/${FESTIVAL_VOICE}`;
const FFMPEG_TIMEOUT_MS = 120_000;

export interface SynthesizeOptions {
  format: SpeechFormat;
  /** Tempo factor, 0.25–4 (1 = the voice's own pace); the pitch is kept. */
  speed: number;
  signal?: AbortSignal;
}

/** ffmpeg's encoder and container per format; the file extension only names the temp file. */
const ENCODINGS: Record<SpeechFormat, { codec: string[]; container: string; extension: string }> = {
  mp3: { codec: ["-c:a", "libmp3lame", "-b:a", "64k"], container: "mp3", extension: "mp3" },
  wav: { codec: ["-c:a", "pcm_s16le"], container: "wav", extension: "wav" },
  opus: { codec: ["-c:a", "libopus", "-b:a", "32k"], container: "ogg", extension: "opus" },
  flac: { codec: ["-c:a", "flac"], container: "flac", extension: "flac" },
  pcm: { codec: ["-c:a", "pcm_s16le"], container: "s16le", extension: "pcm" },
  aac: { codec: ["-c:a", "aac", "-b:a", "64k"], container: "adts", extension: "aac" },
};

/** The Content-Type OpenAI's /v1/audio/speech answers with, per format. */
export const SPEECH_CONTENT_TYPES: Record<SpeechFormat, string> = {
  mp3: "audio/mpeg",
  wav: "audio/wav",
  opus: "audio/opus",
  flac: "audio/flac",
  pcm: "audio/pcm",
  aac: "audio/aac",
};

/**
 * Speaks `text` with the local voice and returns the encoded audio. Throws
 * DomainError("invalid_request") for empty text, text over 4096 characters, text with nothing the
 * English voice can pronounce, and a speed outside 0.25–4; DomainError("upstream_unavailable") when
 * the local speech queue is full; InferenceAbortedError when the signal aborts while waiting for
 * a turn, and the signal's reason when it aborts while festival or ffmpeg runs (both are killed).
 */
export async function synthesizeSpeech(text: string, options: SynthesizeOptions): Promise<Uint8Array> {
  const speakable = speakableText(text);
  assertSpeed(options.speed);
  return localWorkQueue("speech").run(
    () =>
      withUploadInTempDir(new TextEncoder().encode(speakable), "input.txt", async (dir, textPath) => {
        const wavPath = path.join(dir, "voice.wav");
        await speakIntoWav(textPath, wavPath, speakable.length, options.signal);
        const encoding = ENCODINGS[options.format];
        const outputPath = path.join(dir, `speech.${encoding.extension}`);
        await encode(wavPath, outputPath, options);
        return new Uint8Array(await readFile(outputPath));
      }),
    options.signal,
  );
}

let availability: { available: boolean; missing: string[] } | undefined;

/** Which Debian packages local speech synthesis needs and are missing; checked once per process. */
export function localSpeechSynthesisAvailability(): { available: boolean; missing: string[] } {
  if (!availability) {
    const missing = [
      ...(isOnPath("ffmpeg") ? [] : ["ffmpeg"]),
      ...(isOnPath("text2wave") ? [] : ["festival"]),
      ...(isReadable(path.join(FESTIVAL_VOICE_DIR, "festvox", `${FESTIVAL_VOICE}.scm`)) ? [] : ["festvox-us-slt-hts"]),
    ];
    availability = { available: missing.length === 0, missing };
  }
  return { available: availability.available, missing: [...availability.missing] };
}

/**
 * The text as festival should read it: festival reads bytes as Latin-1, so accents are folded
 * ("café" → "cafe") and any other non-ASCII character becomes a space rather than mojibake.
 */
function speakableText(text: string): string {
  if (text.length > MAX_SPEECH_INPUT_CHARACTERS) {
    throw new DomainError("invalid_request", `The input is ${text.length} characters long; the maximum is ${MAX_SPEECH_INPUT_CHARACTERS}.`, { param: "input" });
  }
  const ascii = text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[^\x20-\x7e]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (text.trim() === "") throw new DomainError("invalid_request", "The input is empty.", { param: "input" });
  if (!/[a-z0-9]/i.test(ascii)) {
    throw new DomainError("invalid_request", "The local voice speaks English only and found nothing in the input it can pronounce.", {
      param: "input",
    });
  }
  return ascii;
}

function assertSpeed(speed: number): void {
  if (Number.isFinite(speed) && speed >= MIN_SPEECH_SPEED && speed <= MAX_SPEECH_SPEED) return;
  throw new DomainError("invalid_request", `The speed must be between ${MIN_SPEECH_SPEED} and ${MAX_SPEECH_SPEED}.`, { param: "speed" });
}

async function speakIntoWav(textPath: string, wavPath: string, characters: number, signal?: AbortSignal): Promise<void> {
  try {
    await runProcess("text2wave", ["-eval", `(voice_${FESTIVAL_VOICE})`, "-o", wavPath, textPath], {
      // Grows with the text; the fixed part covers the voice's start-up on a busy machine.
      timeoutMs: 30_000 + characters * 60,
      signal,
    });
  } catch (error) {
    // Its log names our temp files; the caller gets a sentence instead.
    if (error instanceof ProcessFailedError) {
      throw new DomainError("upstream_error", `The speech synthesizer failed (exit code ${error.exitCode ?? "none"}).`);
    }
    throw error;
  }
}

async function encode(wavPath: string, outputPath: string, options: SynthesizeOptions): Promise<void> {
  const { codec, container } = ENCODINGS[options.format];
  const filters = [...tempoFilters(options.speed), `aresample=${SYNTHESIZED_SAMPLE_RATE}`, "aformat=channel_layouts=mono"];
  try {
    await runProcess(
      "ffmpeg",
      [
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-f",
        "wav",
        "-i",
        wavPath,
        "-filter:a",
        filters.join(","),
        ...codec,
        // No encoder tag or LIST chunk: a WAV gets the canonical 44-byte header, and output is deterministic.
        "-map_metadata",
        "-1",
        "-bitexact",
        "-f",
        container,
        "-y",
        outputPath,
      ],
      { timeoutMs: FFMPEG_TIMEOUT_MS, signal: options.signal },
    );
  } catch (error) {
    if (error instanceof ProcessFailedError) {
      throw new DomainError("upstream_error", `Encoding the synthesized speech as ${options.format} failed (exit code ${error.exitCode ?? "none"}).`);
    }
    throw error;
  }
}

/**
 * ffmpeg's atempo (time stretching that keeps the pitch) takes factors from 0.5 up, so slower
 * speeds are a chain of halvings and a remainder: 0.25 → atempo=0.5,atempo=0.5.
 */
function tempoFilters(speed: number): string[] {
  if (speed === 1) return [];
  const filters: string[] = [];
  let remaining = speed;
  while (remaining < 0.5) {
    filters.push("atempo=0.5");
    remaining /= 0.5;
  }
  filters.push(`atempo=${remaining}`);
  return filters;
}
