// The local speech engine's input: any accepted upload as the 16 kHz mono 16-bit WAV with the
// canonical 44-byte header that pocketsphinx_continuous reads, decoded by the shared ffmpeg wrapper.
import "server-only";
import { open, stat } from "node:fs/promises";

import { checkedSeconds, durationCap, inputArgs, runFfmpeg, SPEECH_SAMPLE_RATE } from "@/lib/inference/audio/ffmpeg";

const WAV_HEADER_BYTES = 44;

// pocketsphinx's noise estimate goes wrong on long stretches of exact digital zeros (generated or
// padded audio) and then garbles the first utterance; a fixed-seed white-noise floor at about
// -70 dBFS, far below any microphone's own noise, avoids that and keeps results deterministic.
const NOISE_FLOOR_FILTER =
  "[0:a:0]aresample=16000,aformat=channel_layouts=mono[speech];" +
  "anoisesrc=r=16000:c=white:a=0.0003:seed=1[floor];" +
  "[speech][floor]amix=inputs=2:duration=first:normalize=0";

/** Converts the file at `inputPath` (at most `maxSeconds` of it) to the WAV pocketsphinx reads; returns its length in seconds. */
export async function convertToSpeechWav(inputPath: string, wavPath: string, signal?: AbortSignal, maxSeconds?: number): Promise<number> {
  await runFfmpeg(
    [
      ...inputArgs(inputPath),
      "-filter_complex",
      NOISE_FLOOR_FILTER,
      ...durationCap(maxSeconds),
      "-c:a",
      "pcm_s16le",
      // No LIST/INFO chunk: pocketsphinx_continuous assumes the canonical 44-byte header.
      "-map_metadata",
      "-1",
      "-bitexact",
      "-f",
      "wav",
      wavPath,
    ],
    signal,
  );
  await assertCanonicalWav(wavPath);
  return checkedSeconds((await stat(wavPath)).size - WAV_HEADER_BYTES);
}

async function assertCanonicalWav(wavPath: string): Promise<void> {
  const file = await open(wavPath, "r");
  try {
    const { buffer } = await file.read(Buffer.alloc(WAV_HEADER_BYTES), 0, WAV_HEADER_BYTES, 0);
    const canonical =
      buffer.toString("latin1", 0, 4) === "RIFF" &&
      buffer.toString("latin1", 8, 16) === "WAVEfmt " &&
      buffer.readUInt16LE(22) === 1 &&
      buffer.readUInt32LE(24) === SPEECH_SAMPLE_RATE &&
      buffer.readUInt16LE(34) === 16 &&
      buffer.toString("latin1", 36, 40) === "data";
    if (!canonical) throw new Error(`ffmpeg wrote an unexpected WAV header to ${wavPath}`);
  } finally {
    await file.close();
  }
}
