// Test audio made at test time: Debian's festival with the HTS voice cmu_us_slt_arctic (which
// pocketsphinx transcribes well; espeak-ng voices it does not), resampled to 16 kHz mono, then
// re-encoded with ffmpeg into the formats clients upload. Speech is cached under os.tmpdir() by
// text, so a suite synthesises each sentence once.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Festival's slt voice reads it and pocketsphinx returns it word for word, in every format. */
export const KNOWN_SENTENCE = "my favorite color is blue and i like to read books";

/** Writes `text` spoken by festival's slt voice to `outPath` as 16 kHz mono 16-bit WAV. */
export async function makeSpeechWav(text: string, outPath: string): Promise<void> {
  const cacheDir = path.join(os.tmpdir(), "ecolink-speech-fixtures");
  const cached = path.join(cacheDir, `${createHash("sha256").update(text).digest("hex").slice(0, 24)}.wav`);
  if (!(await isFile(cached))) {
    await mkdir(cacheDir, { recursive: true });
    const work = await mkdtemp(path.join(cacheDir, "make-"));
    try {
      await writeFile(path.join(work, "text.txt"), text);
      await run("text2wave", ["-eval", "(voice_cmu_us_slt_arctic_hts)", path.join(work, "text.txt"), "-o", path.join(work, "voice.wav")]);
      await ffmpeg(["-i", path.join(work, "voice.wav"), "-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le"], path.join(work, "speech.wav"));
      // Renamed into place so parallel test processes never read a half-written file.
      await rename(path.join(work, "speech.wav"), cached);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  await mkdir(path.dirname(outPath), { recursive: true });
  await copyFile(cached, outPath);
}

const ENCODERS: Record<string, string[]> = {
  ".wav": ["-c:a", "pcm_s16le"],
  ".mp3": ["-c:a", "libmp3lame", "-b:a", "64k"],
  ".webm": ["-c:a", "libopus", "-b:a", "48k"],
  ".opus": ["-c:a", "libopus", "-b:a", "48k"],
  ".ogg": ["-c:a", "libvorbis", "-q:a", "4"],
  ".oga": ["-c:a", "libvorbis", "-q:a", "4"],
  ".m4a": ["-c:a", "aac", "-b:a", "96k"],
  ".mp4": ["-c:a", "aac", "-b:a", "96k"],
  ".flac": ["-c:a", "flac"],
};

/** Re-encodes `inPath` into the format `outPath`'s extension names (mp3, webm/opus, ogg, m4a, flac, wav). */
export async function convertAudio(inPath: string, outPath: string): Promise<void> {
  const encoder = ENCODERS[path.extname(outPath).toLowerCase()];
  if (!encoder) throw new Error(`convertAudio: no encoder for ${outPath}`);
  await ffmpeg(["-i", inPath, "-vn", ...encoder], outPath);
}

/** Writes `seconds` of digital silence as 16 kHz mono WAV. */
export async function makeSilenceWav(seconds: number, outPath: string): Promise<void> {
  await ffmpeg(["-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", String(seconds), "-c:a", "pcm_s16le"], outPath);
}

/** Joins WAV files (same rate and channels) with `pauseSeconds` of silence between them. */
export async function joinWithPauses(inPaths: string[], pauseSeconds: number, outPath: string): Promise<void> {
  const inputs = inPaths.flatMap((file) => ["-i", file]);
  const pads = inPaths.map((_, i) => `[${i}:a]apad=pad_dur=${i < inPaths.length - 1 ? pauseSeconds : 0}[p${i}]`);
  const concat = `${inPaths.map((_, i) => `[p${i}]`).join("")}concat=n=${inPaths.length}:v=0:a=1`;
  await ffmpeg([...inputs, "-filter_complex", [...pads, concat].join(";"), "-c:a", "pcm_s16le"], outPath);
}

/** Seconds of audio in a PCM WAV file, from its `fmt ` and `data` chunks. */
export async function wavDurationSeconds(file: string): Promise<number> {
  const bytes = await readFile(file);
  let byteRate = 0;
  for (let offset = 12; offset + 8 <= bytes.length; ) {
    const id = bytes.toString("latin1", offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    if (id === "fmt ") byteRate = bytes.readUInt32LE(offset + 16);
    if (id === "data") return Math.min(size, bytes.length - offset - 8) / byteRate;
    offset += 8 + size + (size % 2);
  }
  throw new Error(`${file} has no data chunk`);
}

/** Word-level Levenshtein distance over the reference's length; case and punctuation ignored. */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const ref = normalizedWords(reference);
  const hyp = normalizedWords(hypothesis);
  if (ref.length === 0) return hyp.length === 0 ? 0 : 1;
  let previous = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const row = [i];
    for (let j = 1; j <= hyp.length; j++) {
      const substitution = previous[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      row.push(Math.min(previous[j]! + 1, row[j - 1]! + 1, substitution));
    }
    previous = row;
  }
  return previous[hyp.length]! / ref.length;
}

function normalizedWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s]/gu, " ")
    .split(/\s+/)
    .map((word) => word.replace(/^'+|'+$/g, ""))
    .filter(Boolean);
}

/** Bit-exact and without metadata, so the same input gives the same bytes. */
async function ffmpeg(args: string[], outPath: string): Promise<void> {
  const common = ["-nostdin", "-hide_banner", "-loglevel", "error", "-y"];
  await run("ffmpeg", [...common, ...args, "-map_metadata", "-1", "-bitexact", outPath]);
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (info) => info.isFile(),
    () => false,
  );
}
