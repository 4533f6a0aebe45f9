// Debian's pocketsphinx 0.8+5prealpha (CMU Sphinx) with its US English acoustic model, trigram
// language model and CMU pronouncing dictionary, run as `pocketsphinx_continuous`. Its voice
// activity detector splits the audio into utterances; with `-time yes` it prints, per utterance,
// the hypothesis line and then one `word start end posterior` line per word, fillers included,
// with times in seconds from the start of the file at its 100 frames per second.
import path from "node:path";

import { DomainError } from "@/lib/errors";

import { ProcessFailedError, runProcess } from "@/lib/inference/audio/run-process";

export const POCKETSPHINX_COMMAND = "pocketsphinx_continuous";
const POCKETSPHINX_MODEL_DIR = "/usr/share/pocketsphinx/model/en-us";
export const POCKETSPHINX_MODEL_FILES = {
  acousticModel: path.join(POCKETSPHINX_MODEL_DIR, "en-us"),
  languageModel: path.join(POCKETSPHINX_MODEL_DIR, "en-us.lm.bin"),
  dictionary: path.join(POCKETSPHINX_MODEL_DIR, "cmudict-en-us.dict"),
};

const FRAMES_PER_SECOND = 100;
const WORD_TIME_LINE = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)$/;
/** `<s>`, `</s>`, `<sil>`, `[NOISE]`, `[SPEECH]`: the model's noise dictionary, not words. */
const FILLER = /^(<.*>|\[.*\])$/;
/** The dictionary lists alternative pronunciations as `word(2)`. */
const PRONUNCIATION_VARIANT = /\(\d+\)$/;

export interface RecognizedWord {
  word: string;
  /** First frame of the word (10 ms frames). */
  startFrame: number;
  /** First frame after the word. */
  endFrame: number;
  /** Index of the utterance (stretch of speech between pauses the detector heard) it belongs to. */
  utterance: number;
}

export async function recognizeSpeech(wavPath: string, options: { audioSeconds: number; signal?: AbortSignal }): Promise<RecognizedWord[]> {
  const { acousticModel, languageModel, dictionary } = POCKETSPHINX_MODEL_FILES;
  try {
    const stdout = await runProcess(
      POCKETSPHINX_COMMAND,
      ["-infile", wavPath, "-hmm", acousticModel, "-lm", languageModel, "-dict", dictionary, "-time", "yes"],
      // It decodes several times faster than real time here; the margin covers a busy machine.
      { timeoutMs: 30_000 + options.audioSeconds * 3_000, signal: options.signal },
    );
    return parseWordTimes(stdout.toString("utf8"));
  } catch (error) {
    // Its log names our temp files and model paths; the caller gets a sentence instead.
    if (error instanceof ProcessFailedError) {
      throw new DomainError("upstream_error", `The speech recognizer failed (exit code ${error.exitCode ?? "none"}).`);
    }
    throw error;
  }
}

/** Words (fillers dropped, pronunciation variants folded) of `-time yes` output, in order. */
function parseWordTimes(output: string): RecognizedWord[] {
  const words: RecognizedWord[] = [];
  let utterance = -1;
  for (const line of output.split("\n")) {
    const match = WORD_TIME_LINE.exec(line.trim());
    if (!match) continue;
    const [, token = "", start = "0", end = "0"] = match;
    if (token === "<s>") utterance += 1;
    if (FILLER.test(token)) continue;
    words.push({
      word: token.replace(PRONUNCIATION_VARIANT, ""),
      startFrame: Math.round(Number(start) * FRAMES_PER_SECOND),
      // The printed end is the word's last frame.
      endFrame: Math.round(Number(end) * FRAMES_PER_SECOND) + 1,
      utterance: Math.max(utterance, 0),
    });
  }
  return words;
}

export function framesToSeconds(frames: number): number {
  return frames / FRAMES_PER_SECOND;
}
