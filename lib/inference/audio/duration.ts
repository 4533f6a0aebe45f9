// How long an uploaded audio file is, for billing speech-to-text per second whichever provider
// transcribes it: the header's claim before credit is held (cheap, bounds the work), then the
// decoded length (what is billed). Both run ffmpeg on this server, in bounded work queues.
import "server-only";

import { measureDecodedSeconds, probeDeclaredSeconds, withUploadInTempDir } from "@/lib/inference/audio/ffmpeg";
import { localWorkQueue } from "@/lib/inference/providers/local/work-queue";

/**
 * Length of the audio in seconds, from decoding it (for billing per second), decoding no more than
 * `maxSeconds` when given.
 */
export async function measureAudioSeconds(audio: Uint8Array, filename?: string, options: { maxSeconds?: number; signal?: AbortSignal } = {}): Promise<number> {
  return localWorkQueue("speech").run(
    () => withUploadInTempDir(audio, filename, (_dir, inputPath) => measureDecodedSeconds(inputPath, options.signal, options.maxSeconds)),
    options.signal,
  );
}

/** The duration the file's header declares (null: none), without decoding it: for reserving credit. */
export async function declaredAudioSeconds(audio: Uint8Array, filename?: string): Promise<number | null> {
  return localWorkQueue("audio-probe").run(() => withUploadInTempDir(audio, filename, (_dir, inputPath) => probeDeclaredSeconds(inputPath)));
}
