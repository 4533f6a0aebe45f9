// Speed of local speech-to-text: festival speaks four sentences (about 15 s with pauses), and the
// whole transcribeAudio pipeline (temp file, ffmpeg, pocketsphinx) runs on it three times.
// Real-time factor = wall time / audio time; below 1 is faster than real time. Then each of the
// two child processes runs once more on its own, timed with the CPU it used (the kernel's count of
// children's CPU time), to say which of them limits the speed.
// `npm run bench` runs it after the other benchmarks; alone: `npx tsx scripts/bench/transcription.ts`.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { convertToSpeechWav } from "../../lib/inference/providers/local/speech/audio-conversion";
import { recognizeSpeech } from "../../lib/inference/providers/local/speech/pocketsphinx";
import { transcribeAudio } from "../../lib/inference/providers/local/speech/transcribe";
import { joinWithPauses, KNOWN_SENTENCE, makeSpeechWav } from "../../test/support/speech-fixtures";
import { verdict } from "./gateway";
import { childrenCpuSeconds } from "./proc-stats";

const SENTENCES = [
  KNOWN_SENTENCE,
  "please call stella and ask her to bring these things with her from the store",
  "the children played in the park until it started to rain",
  "we need to finish the report before the meeting on friday morning",
];
const RUNS = 3;
// Target of issue 14: seconds of audio transcribed per second of wall time.
const SPEED_TARGET = 5;

interface Stage {
  name: string;
  wallSeconds: number;
  /** CPU seconds of the child process (user + system). */
  cpuSeconds: number;
}

async function timeStage(name: string, run: () => Promise<unknown>): Promise<Stage> {
  const cpu = await childrenCpuSeconds();
  const started = performance.now();
  await run();
  return { name, wallSeconds: (performance.now() - started) / 1000, cpuSeconds: (await childrenCpuSeconds()) - cpu };
}

/** Mean over the runs: seconds of audio, seconds of wall time per transcription, and their ratio. */
export async function benchTranscription(): Promise<{ audioSeconds: number; wallSeconds: number; realTimeFactor: number; stages: Stage[] }> {
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
    const converted = path.join(dir, "converted.wav");
    const stages = [
      await timeStage("ffmpeg", () => convertToSpeechWav(speech, converted)),
      await timeStage("pocketsphinx", () => recognizeSpeech(converted, { audioSeconds })),
    ];
    return { audioSeconds, wallSeconds, realTimeFactor: wallSeconds / audioSeconds, stages };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What `npm run bench` (scripts/bench.ts) calls: runs benchTranscription and prints its row. */
export async function runTranscriptionBench(): Promise<void> {
  const { audioSeconds, wallSeconds, realTimeFactor, stages } = await benchTranscription();
  const speed = audioSeconds / wallSeconds;
  console.log(`\nlocal transcription (ffmpeg + pocketsphinx, CPU; festival speech, mean of ${RUNS} runs)`);
  console.log("audio (s)  wall per run (s)  real-time factor  × real time");
  console.log(
    `${audioSeconds.toFixed(2).padStart(9)}  ${wallSeconds.toFixed(2).padStart(16)}  ${realTimeFactor.toFixed(3).padStart(16)}  ${speed.toFixed(1).padStart(11)}`,
  );
  console.log(`Target: ≥ ${SPEED_TARGET}× real time: ${verdict(speed >= SPEED_TARGET)} (${speed.toFixed(1)}×)`);
  const slowest = stages.reduce((a, b) => (b.wallSeconds > a.wallSeconds ? b : a));
  const cores = slowest.cpuSeconds / slowest.wallSeconds;
  const how = cores >= 0.8 ? "computing on one core (a single-threaded process)" : `busy only ${cores.toFixed(2)} of a core (waiting: the cores are shared)`;
  console.log(
    `What limits it: ${slowest.name}, ${how}. Alone: ${stages.map((s) => `${s.name} ${s.wallSeconds.toFixed(2)} s wall, ${s.cpuSeconds.toFixed(2)} s CPU`).join("; ")} ` +
      `of ${wallSeconds.toFixed(2)} s per transcription (${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}).`,
  );
}

if (require.main === module) {
  runTranscriptionBench().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
