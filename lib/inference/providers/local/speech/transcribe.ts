// Local speech-to-text on the CPU: any accepted upload → 16 kHz mono WAV (ffmpeg) → pocketsphinx
// (a real acoustic + language model for US English, see ./pocketsphinx.ts) → a transcript with
// word timings and segments. Both tools are Debian packages run as child processes; nothing runs
// on the event loop but parsing.
import "server-only";
import path from "node:path";

import { DomainError } from "@/lib/errors";
import type { Transcript } from "@/lib/inference/providers/types";

import { withUploadInTempDir } from "@/lib/inference/audio/ffmpeg";
import { localWorkQueue } from "@/lib/inference/providers/local/work-queue";

import { isOnPath, isReadable } from "./installed";
import { convertToSpeechWav } from "./audio-conversion";
import { POCKETSPHINX_COMMAND, POCKETSPHINX_MODEL_FILES, framesToSeconds, recognizeSpeech, type RecognizedWord } from "./pocketsphinx";

export interface TranscribeOptions {
  filename?: string;
  /** ISO-639-1 ("en") or a name ("english"); anything other than English is refused. */
  language?: string;
  /** Accepted for API compatibility; pocketsphinx has no way to be steered by a prompt. */
  prompt?: string;
  signal?: AbortSignal;
  /** Transcribe no more than this much of the audio (what the request holds credit for). */
  maxSeconds?: number;
}

/** A pause at least this long starts a new segment, as does every utterance the detector found. */
const SEGMENT_PAUSE_FRAMES = 50;
/** Segments are subtitle cues; speech without such pauses is cut at this length. */
const MAX_SEGMENT_FRAMES = 1_000;

/**
 * Converts any accepted upload (mp3, wav, webm, ogg, m4a, flac, mp4) to 16 kHz mono WAV with
 * ffmpeg, then runs pocketsphinx on it. Silence gives an empty transcript. Throws
 * DomainError("invalid_request", …, { param: "file" }) for audio that does not decode, and the
 * signal's reason when it aborts (both child processes are killed).
 */
export async function transcribeAudio(audio: Uint8Array, options: TranscribeOptions): Promise<Transcript> {
  assertEnglish(options.language);
  return localWorkQueue("speech").run(() => transcribeInTempDir(audio, options), options.signal);
}

async function transcribeInTempDir(audio: Uint8Array, options: TranscribeOptions): Promise<Transcript> {
  return withUploadInTempDir(audio, options.filename, async (dir, inputPath) => {
    const wavPath = path.join(dir, "speech.wav");
    const durationSeconds = await convertToSpeechWav(inputPath, wavPath, options.signal, options.maxSeconds);
    const recognized = await recognizeSpeech(wavPath, { audioSeconds: durationSeconds, signal: options.signal });
    // Frame times can round past the last sample.
    const seconds = (frames: number) => Math.min(framesToSeconds(frames), durationSeconds);
    const segments = groupIntoSegments(recognized).map((group, id) => ({
      id,
      start: seconds(group[0]!.startFrame),
      end: seconds(group.at(-1)!.endFrame),
      text: group.map((word) => word.word).join(" "),
    }));
    return {
      text: segments.map((segment) => segment.text).join(" "),
      language: "english",
      durationSeconds,
      segments,
      words: recognized.map(({ word, startFrame, endFrame }) => ({
        word,
        start: seconds(startFrame),
        end: seconds(endFrame),
      })),
    };
  });
}

let availability: { available: boolean; missing: string[] } | undefined;

/** Which Debian packages local speech needs and are missing; checked once per process. */
export function localSpeechAvailability(): { available: boolean; missing: string[] } {
  if (!availability) {
    const missing = [
      ...(isOnPath("ffmpeg") ? [] : ["ffmpeg"]),
      ...(isOnPath(POCKETSPHINX_COMMAND) ? [] : ["pocketsphinx"]),
      ...(Object.values(POCKETSPHINX_MODEL_FILES).every(isReadable) ? [] : ["pocketsphinx-en-us"]),
    ];
    availability = { available: missing.length === 0, missing };
  }
  return { available: availability.available, missing: [...availability.missing] };
}

function assertEnglish(language: string | undefined): void {
  if (language === undefined || /^(en([-_][a-z]{2})?|english)$/i.test(language.trim())) return;
  throw new DomainError("invalid_request", `The local speech model transcribes English only; language "${language}" is not supported.`, { param: "language" });
}

function groupIntoSegments(words: readonly RecognizedWord[]): RecognizedWord[][] {
  const groups: RecognizedWord[][] = [];
  let current: RecognizedWord[] = [];
  for (const word of words) {
    const first = current[0];
    const previous = current.at(-1);
    const startsNewSegment =
      first !== undefined &&
      previous !== undefined &&
      (word.utterance !== previous.utterance ||
        word.startFrame - previous.endFrame >= SEGMENT_PAUSE_FRAMES ||
        word.endFrame - first.startFrame > MAX_SEGMENT_FRAMES);
    if (startsNewSegment) {
      groups.push(current);
      current = [];
    }
    current.push(word);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
