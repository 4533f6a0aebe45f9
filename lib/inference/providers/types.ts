// The one interface every inference backend implements: an upstream OpenAI-compatible server
// (upstream.ts) or the engines that run inside this process (local.ts). The gateway core
// (lib/inference/generation.ts, images.ts, transcriptions.ts, embeddings.ts, speech.ts) prices,
// reserves, calls one of these and settles; providers know nothing about money.
//
// Errors: a provider throws DomainError "upstream_error" (502), "upstream_unavailable" (503),
// "upstream_timeout" (504) or "invalid_request" (400, the backend refused the input). When the
// caller's `signal` aborts it throws InferenceAbortedError; the core checks the signal, not the
// error, to tell a hang-up from a failure.
import type { SpeechFormat } from "@/lib/inference/providers/local/speech/synthesize";
import type { RegisteredModel } from "@/lib/inference/registry";

export type ChatRole = "system" | "developer" | "user" | "assistant";

/** A message as the local engines see it: its role and its text. */
export interface ChatMessage {
  role: ChatRole;
  content: string;
  name?: string;
}

/** The sampling settings the local engines follow (upstreams get the whole request body). */
export interface ChatParams {
  messages: ChatMessage[];
  /** null: as many as the model allows. */
  maxTokens: number | null;
  temperature?: number;
  topP?: number;
  seed?: number;
  stop?: string[];
}

/** Chat (messages in, a message out) or the legacy text completion (a prompt in, text out). */
export type GenerationKind = "chat" | "completion";

/**
 * A text generation request as the core hands it to a provider. An upstream receives `body` (the
 * client's validated request, model renamed and usage always asked for) unchanged; a local engine
 * reads `params`, the text view of it.
 */
export interface GenerationRequest {
  kind: GenerationKind;
  body: Record<string, unknown>;
  params: ChatParams;
  stream: boolean;
}

/** One choice of a streamed chunk, as OpenAI shapes it (a chat `delta`, or a completion's `text`). */
export type ChoiceChunk = Record<string, unknown> & { index: number };

export interface GenerationChunk {
  choices: ChoiceChunk[];
  /** Tokens this chunk delivers, as servers stream them (one per choice with content). */
  tokens: number;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  /** The backend's prompt_tokens_details / completion_tokens_details, passed on as they are. */
  details?: Record<string, unknown>;
}

export interface GenerationStreamEnd {
  /** Exact usage, when the backend reported it. */
  usage: TokenUsage | null;
}

export interface GenerationOutput extends GenerationStreamEnd {
  /** OpenAI's choice objects (chat: message, completion: text), ready to send. */
  choices: ChoiceChunk[];
  /** The generated text of every choice (content, tool call arguments), for counting tokens when the backend reports no usage. */
  text: string;
  systemFingerprint: string | null;
}

/** The caller hung up. For chat, carries the exact usage so far when the backend knows it. */
export class InferenceAbortedError extends Error {
  constructor(readonly usage: TokenUsage | null = null) {
    super("The request was cancelled.");
    this.name = "AbortError";
  }
}

export interface ImageParams {
  prompt: string;
  /** "WIDTHxHEIGHT", one of the model's priced sizes. */
  size: string;
  width: number;
  height: number;
  n: number;
}

export interface TranscriptSegment {
  id: number;
  start: number;
  end: number;
  text: string;
}

export interface TranscriptWord {
  word: string;
  start: number;
  end: number;
}

export interface Transcript {
  text: string;
  /** The spoken language, named as OpenAI's verbose_json names it ("english"). */
  language: string;
  durationSeconds: number;
  segments: TranscriptSegment[];
  words: TranscriptWord[];
}

/** Speech to text in its own language, or translated into English (Whisper's translate task). */
export type TranscriptionTask = "transcribe" | "translate";

export interface TranscriptionParams {
  task: TranscriptionTask;
  audio: Uint8Array;
  filename: string;
  language?: string;
  prompt?: string;
  /** Whisper's sampling temperature, 0–1; upstreams get it, the local engine has none. */
  temperature?: number;
  /** The most audio the request holds credit for: a local engine decodes no more than this. */
  maxSeconds?: number;
}

/** What to embed: texts, or texts already tokenized (OpenAI's token-id arrays). Never mixed. */
export type EmbeddingInputs = { kind: "text"; texts: string[] } | { kind: "tokens"; ids: number[][] };

/**
 * An embeddings request as the core hands it to a provider. An upstream receives `body` (the
 * client's validated request) with the model renamed and float vectors asked for; a local engine
 * reads `inputs` and `dimensions`.
 */
export interface EmbeddingRequest {
  body: Record<string, unknown>;
  inputs: EmbeddingInputs;
  /** The vectors' length the client asked for; null: the model's own. */
  dimensions: number | null;
}

export interface EmbeddingOutput {
  /** One vector per input, in the inputs' order. */
  vectors: number[][];
  /** The backend's count of the inputs' tokens; null when it reported none. */
  promptTokens: number | null;
}

/**
 * A text-to-speech request as the core hands it to a provider. An upstream receives `body` (the
 * client's validated request, voice and vendor fields as sent) with the model renamed; a local
 * engine reads the rest.
 */
export interface SpeechRequest {
  body: Record<string, unknown>;
  input: string;
  format: SpeechFormat;
  speed: number;
}

export interface InferenceProvider {
  /**
   * The most prompt tokens a request can count as, from cheap facts only (no tokenizing): what is
   * held before the call. `promptBytes` is the UTF-8 size of the request's text.
   */
  promptTokenBound(model: RegisteredModel, request: GenerationRequest, promptBytes: number): number;
  /** Yields chunks as the backend produces them; returns its usage. */
  streamGeneration(model: RegisteredModel, request: GenerationRequest, signal: AbortSignal): AsyncGenerator<GenerationChunk, GenerationStreamEnd, undefined>;
  completeGeneration(model: RegisteredModel, request: GenerationRequest, signal: AbortSignal): Promise<GenerationOutput>;
  /** PNG files. */
  generateImages(model: RegisteredModel, params: ImageParams, signal: AbortSignal): Promise<Uint8Array[]>;
  transcribe(model: RegisteredModel, params: TranscriptionParams, signal: AbortSignal): Promise<Transcript>;
  embed(model: RegisteredModel, request: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingOutput>;
  /** The audio file, encoded in `request.format`. */
  synthesizeSpeech(model: RegisteredModel, request: SpeechRequest, signal: AbortSignal): Promise<Uint8Array>;
}
