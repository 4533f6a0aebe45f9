// The one interface every inference backend implements: an upstream OpenAI-compatible server
// (upstream.ts) or the engines that run inside this process (local.ts). The gateway core
// (lib/inference/chat.ts, images.ts, transcriptions.ts) prices, reserves, calls one of these and
// settles; providers know nothing about money.
//
// Errors: a provider throws DomainError "upstream_error" (502), "upstream_unavailable" (503),
// "upstream_timeout" (504) or "invalid_request" (400, the backend refused the input). When the
// caller's `signal` aborts it throws InferenceAbortedError; the core checks the signal, not the
// error, to tell a hang-up from a failure.
import type { RegisteredModel } from "@/lib/inference/registry";

export type ChatRole = "system" | "developer" | "user" | "assistant";

export interface ChatMessage {
  role: ChatRole;
  content: string;
  name?: string;
}

export interface ChatParams {
  messages: ChatMessage[];
  /** null: as many as the model allows. */
  maxTokens: number | null;
  temperature?: number;
  topP?: number;
  seed?: number;
  stop?: string[];
  frequencyPenalty?: number;
  presencePenalty?: number;
}

export type FinishReason = "stop" | "length" | "content_filter";

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ChatStreamEnd {
  finishReason: FinishReason;
  /** Exact usage, when the backend reported it. */
  usage: TokenUsage | null;
}

export interface ChatCompletionOutput extends ChatStreamEnd {
  text: string;
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

export interface TranscriptionParams {
  audio: Uint8Array;
  filename: string;
  language?: string;
  prompt?: string;
  /** The most audio the request holds credit for: a local engine decodes no more than this. */
  maxSeconds?: number;
}

export interface InferenceProvider {
  /**
   * Prompt tokens of `messages`: exact where the provider has the model's tokenizer. Otherwise
   * "reserve" asks for an upper bound (what we hold) and "estimate" for a fair guess (what we bill
   * when the backend could not report usage, e.g. the client hung up mid-stream).
   */
  countPromptTokens(model: RegisteredModel, messages: readonly ChatMessage[], purpose: "reserve" | "estimate"): number;
  /** Yields text deltas; returns how the completion ended. */
  streamChat(model: RegisteredModel, params: ChatParams, signal: AbortSignal): AsyncGenerator<string, ChatStreamEnd, undefined>;
  completeChat(model: RegisteredModel, params: ChatParams, signal: AbortSignal): Promise<ChatCompletionOutput>;
  /** PNG files. */
  generateImages(model: RegisteredModel, params: ImageParams, signal: AbortSignal): Promise<Uint8Array[]>;
  transcribe(model: RegisteredModel, params: TranscriptionParams, signal: AbortSignal): Promise<Transcript>;
}
