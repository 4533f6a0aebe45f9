// The local provider: demo models that run inside this process on the CPU, so that a fresh
// deployment with no GPU server answers every endpoint. Each Model row names its engine in
// providerConfig ({"engine": "tiny-chat" | "pattern" | "pocketsphinx" | "hashed-ngrams" |
// "festival"}); this module dispatches
// to the engine's module and translates its results and errors into the provider interface.
import "server-only";
import { existsSync } from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import type { LocalEngine } from "@/lib/inference/model-config";
import type { Availability, RegisteredModel } from "@/lib/inference/registry";
import { ModuleWorkerPool } from "@/lib/inference/providers/local/module-worker";
import { embedText, embedTokenIds } from "@/lib/inference/providers/local/embeddings/hashed-ngrams";
import type { PatternOptions } from "@/lib/inference/providers/local/pattern/generate-pattern";
import { localSpeechSynthesisAvailability, synthesizeSpeech as speakWithFestival } from "@/lib/inference/providers/local/speech/synthesize";
import { localSpeechAvailability, transcribeAudio } from "@/lib/inference/providers/local/speech/transcribe";
import { TINY_CHAT_CONTEXT_LENGTH, TinyChatAbortedError, generateTinyChat, tinyChatPromptTokenBound } from "@/lib/inference/providers/local/tiny-chat/generate";
import { localWorkQueue } from "@/lib/inference/providers/local/work-queue";
import { tinyChatModelDir } from "@/lib/inference/providers/local/tiny-chat/tokenizer";
import {
  type ChoiceChunk,
  type EmbeddingOutput,
  type EmbeddingRequest,
  type GenerationChunk,
  type GenerationOutput,
  type GenerationRequest,
  type GenerationStreamEnd,
  InferenceAbortedError,
  type ImageParams,
  type InferenceProvider,
  type SpeechRequest,
  type Transcript,
  type TranscriptionParams,
} from "@/lib/inference/providers/types";

export function localEngineAvailability(engine: LocalEngine): Availability {
  switch (engine) {
    case "tiny-chat": {
      const dir = tinyChatModelDir();
      const ready = ["model.onnx", "config.json", "tokenizer.json"].every((file) => existsSync(path.join(dir, file)));
      return ready ? { available: true } : { available: false, reason: "Its weights (models/tiny-chat/model.onnx) are not on this machine." };
    }
    case "pattern":
      return { available: true };
    case "pocketsphinx":
      return packagesAvailability(localSpeechAvailability());
    case "hashed-ngrams":
      return { available: true };
    case "festival":
      return packagesAvailability(localSpeechSynthesisAvailability());
  }
}

function packagesAvailability(check: { available: boolean; missing: string[] }): Availability {
  return check.available ? { available: true } : { available: false, reason: `Missing Debian packages: ${check.missing.join(", ")}.` };
}

function engineOf(model: RegisteredModel, expected: LocalEngine): void {
  if (model.local?.engine !== expected) throw new DomainError("not_configured", `${model.id} is not served by the local ${expected} engine.`);
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new InferenceAbortedError();
}

// Generations share tiny-chat's one worker token by token: more at once only makes each slower.
const TINY_CHAT_CONCURRENT_GENERATIONS = 4;

/** Refuses what tiny-chat cannot do with a legacy completion request (its capabilities cover the rest). */
function requireTextPrompt(model: RegisteredModel, request: GenerationRequest): void {
  if (request.kind !== "completion") return;
  const { prompt, echo, suffix } = request.body;
  const param = typeof prompt !== "string" ? "prompt" : echo ? "echo" : suffix != null ? "suffix" : null;
  if (param) {
    const what = param === "prompt" ? "a single text prompt" : `no '${param}'`;
    throw new DomainError("invalid_request", `${model.id} takes ${what}: it runs a chat model that continues your prompt as a user message.`, { param });
  }
}

/** tiny-chat's text deltas as OpenAI choice chunks: chat deltas, or a completion's text. */
function choiceChunk(kind: GenerationRequest["kind"], text: string | null, finishReason: string | null): ChoiceChunk {
  if (kind === "completion") return { index: 0, text: text ?? "", logprobs: null, finish_reason: finishReason };
  const delta = text === null ? (finishReason ? {} : { role: "assistant", content: "" }) : { content: text };
  return { index: 0, delta, logprobs: null, finish_reason: finishReason };
}

async function* streamGeneration(
  model: RegisteredModel,
  request: GenerationRequest,
  signal: AbortSignal,
): AsyncGenerator<GenerationChunk, GenerationStreamEnd, undefined> {
  engineOf(model, "tiny-chat");
  requireTextPrompt(model, request);
  const { params, kind } = request;
  const release = await localWorkQueue("tiny-chat", TINY_CHAT_CONCURRENT_GENERATIONS).acquire(signal);
  // top_p 0 keeps only the single most likely token: greedy decoding.
  const greedy = params.topP === 0;
  const generation = generateTinyChat({
    messages: params.messages,
    maxTokens: params.maxTokens ?? TINY_CHAT_CONTEXT_LENGTH,
    temperature: greedy ? 0 : params.temperature,
    topP: greedy ? undefined : params.topP,
    seed: params.seed,
    stop: params.stop,
    signal,
  });
  try {
    if (kind === "chat") yield { choices: [choiceChunk(kind, null, null)], tokens: 0 };
    for (;;) {
      const step = await generation.next();
      if (step.done) {
        const { finishReason, promptTokens, completionTokens } = step.value;
        yield { choices: [choiceChunk(kind, null, finishReason)], tokens: 0 };
        return { usage: { promptTokens, completionTokens } };
      }
      yield { choices: [choiceChunk(kind, step.value.text, null)], tokens: 1 };
    }
  } catch (error) {
    if (error instanceof TinyChatAbortedError) {
      throw new InferenceAbortedError({ promptTokens: error.promptTokens, completionTokens: error.completionTokens });
    }
    throw error;
  } finally {
    // Frees the engine's cache for this request when our consumer stops early.
    await generation.return(undefined as never).finally(release);
  }
}

async function completeGeneration(model: RegisteredModel, request: GenerationRequest, signal: AbortSignal): Promise<GenerationOutput> {
  const stream = streamGeneration(model, request, signal);
  let text = "";
  let finishReason: string | null = null;
  for (;;) {
    const step = await stream.next();
    if (step.done) {
      const choice: ChoiceChunk =
        request.kind === "chat"
          ? { index: 0, message: { role: "assistant", content: text, refusal: null }, logprobs: null, finish_reason: finishReason ?? "stop" }
          : { index: 0, text, logprobs: null, finish_reason: finishReason ?? "stop" };
      return { choices: [choice], text, usage: step.value.usage, systemFingerprint: null };
    }
    for (const choice of step.value.choices) {
      const delta = choice.delta as { content?: string } | undefined;
      text += request.kind === "chat" ? (delta?.content ?? "") : String(choice.text ?? "");
      finishReason = (choice.finish_reason as string | null) ?? finishReason;
    }
  }
}

let patternWorkers: ModuleWorkerPool<[PatternOptions], Uint8Array> | undefined;

/** The pattern generator's pixel loops run in worker threads, one per turn of its queue. */
function generatePatternInWorker(options: PatternOptions): Promise<Uint8Array> {
  patternWorkers ??= new ModuleWorkerPool("lib/inference/providers/local/pattern/generate-pattern.ts", "generatePatternPng", env().LOCAL_WORK_CONCURRENCY);
  return patternWorkers.call(options);
}

async function generateImages(model: RegisteredModel, params: ImageParams, signal: AbortSignal): Promise<Uint8Array[]> {
  engineOf(model, "pattern");
  return localWorkQueue("pattern").run(async () => {
    const images: Uint8Array[] = [];
    // The seed is the image's index, so that n images of one prompt differ and each is reproducible.
    for (let index = 0; index < params.n; index++) {
      throwIfAborted(signal);
      images.push(await generatePatternInWorker({ prompt: params.prompt, seed: index, width: params.width, height: params.height }));
    }
    return images;
  }, signal);
}

async function transcribe(model: RegisteredModel, params: TranscriptionParams, signal: AbortSignal): Promise<Transcript> {
  engineOf(model, "pocketsphinx");
  if (params.task !== "transcribe")
    throw new DomainError("invalid_request", `${model.id} can only transcribe; translation needs an upstream Whisper model.`, { param: "model" });
  const { audio, filename, language, prompt, maxSeconds } = params;
  const result = await transcribeAudio(audio, { filename, language, prompt, maxSeconds, signal });
  return {
    text: result.text,
    language: result.language,
    durationSeconds: result.durationSeconds,
    segments: result.segments.map(({ id, start, end, text }) => ({ id, start, end, text })),
    words: result.words.map(({ word, start, end }) => ({ word, start, end })),
  };
}

// Hashing text is cheap next to a worker round trip, so embedding runs on the event
// loop; a request of many inputs yields between them so that it never blocks other requests long.
const EMBEDDINGS_PER_TURN = 64;

async function embed(model: RegisteredModel, request: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingOutput> {
  engineOf(model, "hashed-ngrams");
  const { inputs } = request;
  const dimensions = request.dimensions ?? undefined;
  const count = inputs.kind === "text" ? inputs.texts.length : inputs.ids.length;
  const vectors: number[][] = [];
  for (let index = 0; index < count; index++) {
    if (index % EMBEDDINGS_PER_TURN === 0 && index > 0) await new Promise((resolve) => setImmediate(resolve));
    throwIfAborted(signal);
    const vector = inputs.kind === "text" ? embedText(inputs.texts[index]!, dimensions) : embedTokenIds(inputs.ids[index]!, dimensions);
    vectors.push(Array.from(vector));
  }
  // The engine has no tokenizer of its own: the core counts the tokens it bills.
  return { vectors, promptTokens: null };
}

async function synthesizeSpeech(model: RegisteredModel, request: SpeechRequest, signal: AbortSignal): Promise<Uint8Array> {
  engineOf(model, "festival");
  // One voice, whatever `voice` names; `instructions` cannot steer it.
  return speakWithFestival(request.input, { format: request.format, speed: request.speed, signal });
}

export const localProvider: InferenceProvider = {
  // A bound from the prompt's length, not its tokens: the reserve comes before any tokenizing, so
  // a prompt of megabytes from an account that cannot pay costs us nothing but its bytes.
  promptTokenBound: (model, request) => {
    engineOf(model, "tiny-chat");
    return tinyChatPromptTokenBound(request.params.messages);
  },
  streamGeneration,
  completeGeneration,
  generateImages,
  transcribe,
  embed,
  synthesizeSpeech,
};
