// Speed of local speech-to-text: festival speaks four sentences (about 15 s with pauses), and the
// whole transcribeAudio pipeline (temp file, ffmpeg, pocketsphinx) runs on it three times.
// Real-time factor = wall time / audio time; below 1 is faster than real time.
// `npm run bench` runs it after the other benchmarks; alone: `npx tsx scripts/bench/transcription.ts`.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { transcribeAudio } from "../../lib/inference/providers/local/speech/transcribe";
import { joinWithPauses, KNOWN_SENTENCE, makeSpeechWav } from "../../test/support/speech-fixtures";

const SENTENCES = [
  KNOWN_SENTENCE,
  "please call stella and ask her to bring these things with her from the store",
  "the children played in the park until it started to rain",
  "we need to finish the report before the meeting on friday morning",
];
const RUNS = 3;

/** Mean over the runs: seconds of audio, seconds of wall time per transcription, and their ratio. */
export async function benchTranscription(): Promise<{ audioSeconds: number; wallSeconds: number; realTimeFactor: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "bench-transcription-"));
  try {
    const parts = SENTENCES.map((_, i) => path.join(dir, `sentence-${i}.wav`));
    await Promise.all(SENTENCES.map((sentence, i) => makeSpeechWav(sentence, parts[i]!)));
    const speech = path.join(dir, "speech.wav");
    await joinWithPauses(parts, 0.8, speech);
    const audio = new Uint8Array(await readFile(speech));

    let audioSeconds = 0;
    const started = performance.now();
    for (let run = 0; run < RUNS; run++) {
      audioSeconds = (await transcribeAudio(audio, { filename: "speech.wav" })).durationSeconds;
    }
    const wallSeconds = (performance.now() - started) / 1000 / RUNS;
    return { audioSeconds, wallSeconds, realTimeFactor: wallSeconds / audioSeconds };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What `npm run bench` (scripts/bench.ts) calls: runs benchTranscription and prints its row. */
export async function runTranscriptionBench(): Promise<void> {
  const { audioSeconds, wallSeconds, realTimeFactor } = await benchTranscription();
  console.log(`\nlocal transcription (ffmpeg + pocketsphinx, CPU; festival speech, mean of ${RUNS} runs)`);
  console.log("audio (s)  wall per run (s)  real-time factor");
  console.log(`${audioSeconds.toFixed(2).padStart(9)}  ${wallSeconds.toFixed(2).padStart(16)}  ${realTimeFactor.toFixed(3).padStart(16)}`);
}

if (require.main === module) {
  runTranscriptionBench().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
