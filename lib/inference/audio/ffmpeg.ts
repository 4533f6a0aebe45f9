// Uploads in, 16 kHz mono 16-bit PCM out, with Debian's ffmpeg: the decoding every transcription
// needs, whichever provider answers it (its length is what we bill), and the local speech engine's
// conversion builds on it. The upload is written to a fresh directory under os.tmpdir() (mp4/m4a
// need a seekable file, not a pipe) that is always removed.
// What we bill comes from counting decoded samples, never from container headers: MediaRecorder's
// webm has none, and a header can claim anything. The header's claim only bounds the work: it is
// read (probeDeclaredSeconds) before any credit is held, and decoding then stops at `maxSeconds`.
import "server-only";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { DomainError } from "@/lib/errors";

import { ProcessFailedError, runProcess } from "./run-process";

export const SPEECH_SAMPLE_RATE = 16_000;
const BYTES_PER_SECOND = SPEECH_SAMPLE_RATE * 2;
const FFMPEG_TIMEOUT_MS = 120_000;
const FFPROBE_TIMEOUT_MS = 10_000;
/** OpenAI rejects shorter audio with the same sentence. */
const MIN_AUDIO_SECONDS = 0.1;

export const ACCEPTED_AUDIO_FORMATS = "flac, m4a, mp3, mp4, mpeg, mpga, oga, ogg, wav, webm";

// Only these demuxers may open an upload, and only local files: without the whitelists a "file"
// that is really an HLS playlist or a concat script makes ffmpeg fetch URLs or read server files.
const INPUT_GUARDS = ["-protocol_whitelist", "file", "-format_whitelist", "wav,mp3,matroska,webm,ogg,mov,mp4,m4a,flac,aac"];

/** Writes the upload into a new temp directory, runs `work`, and removes the directory. */
export async function withUploadInTempDir<T>(
  audio: Uint8Array,
  filename: string | undefined,
  work: (dir: string, inputPath: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "ecolink-speech-"));
  try {
    // The extension is only a hint for ffmpeg's probing; the content decides.
    const extension = /\.([a-z0-9]{1,5})$/i.exec(filename ?? "")?.[1]?.toLowerCase() ?? "bin";
    const inputPath = path.join(dir, `upload.${extension}`);
    await writeFile(inputPath, audio);
    return await work(dir, inputPath);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The duration the container's header declares, in seconds, or null when it declares none. ffprobe
 * reads the header (and, for Ogg, the last page), never decodes the audio.
 */
export async function probeDeclaredSeconds(inputPath: string, signal?: AbortSignal): Promise<number | null> {
  let stdout: Buffer;
  try {
    stdout = await runProcess(
      "ffprobe",
      ["-hide_banner", "-loglevel", "error", ...INPUT_GUARDS, "-show_entries", "format=duration", "-of", "default=noprint_wrappers=1:nokey=1", inputPath],
      { timeoutMs: FFPROBE_TIMEOUT_MS, signal },
    );
  } catch (error) {
    if (!(error instanceof ProcessFailedError)) throw error;
    throw new DomainError("invalid_request", `The audio file could not be decoded. Supported formats: ${ACCEPTED_AUDIO_FORMATS}.`, { param: "file" });
  }
  const seconds = Number.parseFloat(stdout.toString("utf8").trim());
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

/** `-t`: decode no more than `maxSeconds` of audio, whatever the file holds. */
export function durationCap(maxSeconds: number | undefined): string[] {
  return maxSeconds === undefined ? [] : ["-t", maxSeconds.toFixed(3)];
}

/** Decodes the file at `inputPath` (at most `maxSeconds` of it) and returns its length in seconds at 16 kHz mono. */
export async function measureDecodedSeconds(inputPath: string, signal?: AbortSignal, maxSeconds?: number): Promise<number> {
  let bytes = 0;
  await runFfmpeg(
    [...inputArgs(inputPath), "-map", "0:a:0", ...durationCap(maxSeconds), "-ac", "1", "-ar", String(SPEECH_SAMPLE_RATE), "-f", "s16le", "pipe:1"],
    signal,
    (chunk) => (bytes += chunk.length),
  );
  return checkedSeconds(bytes);
}

export function inputArgs(inputPath: string): string[] {
  return ["-nostdin", "-hide_banner", "-loglevel", "error", ...INPUT_GUARDS, "-i", inputPath];
}

export async function runFfmpeg(args: string[], signal?: AbortSignal, onStdout?: (chunk: Buffer) => void): Promise<void> {
  try {
    await runProcess("ffmpeg", args, { timeoutMs: FFMPEG_TIMEOUT_MS, signal, onStdout });
  } catch (error) {
    if (!(error instanceof ProcessFailedError)) throw error;
    // ffmpeg's own words name our temp path, so the user gets a sentence of ours instead.
    const message = /matches no streams/.test(error.stderr)
      ? "The file has no audio track."
      : `The audio file could not be decoded. Supported formats: ${ACCEPTED_AUDIO_FORMATS}.`;
    throw new DomainError("invalid_request", message, { param: "file" });
  }
}

export function checkedSeconds(pcmBytes: number): number {
  const seconds = pcmBytes / BYTES_PER_SECOND;
  if (seconds < MIN_AUDIO_SECONDS) {
    throw new DomainError("invalid_request", `Audio file is too short. Minimum audio length is ${MIN_AUDIO_SECONDS} seconds.`, { param: "file" });
  }
  return seconds;
}
