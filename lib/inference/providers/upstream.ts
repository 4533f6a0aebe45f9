// The upstream provider: any OpenAI-compatible inference server (vLLM, llama.cpp, TGI, Ollama,
// OpenAI itself) reached by base URL. It speaks OpenAI's protocol to the server and hands the
// core plain text deltas, finish reasons and usage, so what reaches our clients is always built
// by us (our ids, our model names, the fields OpenAI's spec requires) whatever the server adds.
//
// Failures map to what a client can act on: connection refused or unknown host → 503, no answer
// within UPSTREAM_TIMEOUT_MS (for streams: no chunk for that long) → 504, a 5xx or a garbled
// answer → 502, a 4xx about the input (e.g. prompt longer than the context) → 400 with the
// server's own explanation. The core settles every one of them at no cost.
import "server-only";
import { createParser } from "eventsource-parser";
import { followAbort } from "@/lib/abort";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import { estimatePromptTokens } from "@/lib/inference/pricing";
import type { RegisteredModel, ResolvedUpstream } from "@/lib/inference/registry";
import {
  InferenceAbortedError,
  type ChatCompletionOutput,
  type ChatMessage,
  type ChatParams,
  type ChatStreamEnd,
  type FinishReason,
  type ImageParams,
  type InferenceProvider,
  type TokenUsage,
  type Transcript,
  type TranscriptionParams,
} from "@/lib/inference/providers/types";
import { postToUpstream } from "@/lib/inference/providers/upstream-http";

const CONNECT_ERROR_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);
const MAX_ERROR_BODY_CHARS = 2_000;

function upstreamOf(model: RegisteredModel): ResolvedUpstream {
  if (!model.upstream) throw new DomainError("not_configured", `No inference server is configured for ${model.id}.`);
  return model.upstream;
}

/**
 * The caller's signal plus a timer that fires after UPSTREAM_TIMEOUT_MS without progress, as one
 * signal. Linked by a listener, which clear() removes, rather than AbortSignal.any, whose weak
 * references keep every request's objects alive past the young generation's collections.
 */
class Deadline {
  private readonly controller = new AbortController();
  private readonly stopFollowingCaller: () => void;
  private timer: NodeJS.Timeout | undefined;
  private timedOut = false;
  readonly signal = this.controller.signal;

  constructor(private readonly caller: AbortSignal) {
    this.stopFollowingCaller = followAbort(caller, this.controller);
    this.extend();
  }

  /** Progress was made: the upstream has another UPSTREAM_TIMEOUT_MS. */
  extend(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, env().UPSTREAM_TIMEOUT_MS);
  }

  clear(): void {
    clearTimeout(this.timer);
    this.stopFollowingCaller();
  }

  /** What a thrown error means, given which signal (if any) fired. */
  explain(error: unknown, model: RegisteredModel): Error {
    if (this.caller.aborted) return new InferenceAbortedError();
    if (this.timedOut) {
      return new DomainError("upstream_timeout", `The inference server for ${model.id} did not answer within ${env().UPSTREAM_TIMEOUT_MS / 1000} s. You were not charged.`);
    }
    if (error instanceof DomainError) return error;
    const code = connectErrorCode(error);
    if (code) return new DomainError("upstream_unavailable", `The inference server for ${model.id} is unreachable right now (${code}). You were not charged; please retry shortly.`);
    return new DomainError("upstream_error", `The connection to the inference server for ${model.id} failed. You were not charged.`);
  }
}

function connectErrorCode(error: unknown): string | null {
  // The code may sit deeper than the error itself: fetch (image links) wraps socket errors as
  // TypeError("fetch failed", { cause }), and with several addresses per host the socket error is
  // an AggregateError whose members carry the codes.
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length) {
    const item = queue.shift();
    if (!item || typeof item !== "object" || seen.has(item)) continue;
    seen.add(item);
    const code = (item as { code?: unknown }).code;
    if (typeof code === "string" && CONNECT_ERROR_CODES.has(code)) return code;
    queue.push((item as { cause?: unknown }).cause, ...(((item as { errors?: unknown }).errors as unknown[] | undefined) ?? []));
  }
  return null;
}

async function failureFrom(response: Response, model: RegisteredModel): Promise<DomainError> {
  const text = (await response.text().catch(() => "")).slice(0, MAX_ERROR_BODY_CHARS);
  let message: string | undefined;
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
    const candidate = typeof parsed.error === "object" ? parsed.error?.message : (parsed.error ?? parsed.message ?? parsed.detail);
    if (typeof candidate === "string") message = candidate;
  } catch {
    // not JSON: the status says enough
  }
  if (response.status === 400 || response.status === 413 || response.status === 422) {
    return new DomainError("invalid_request", message ?? `The inference server for ${model.id} rejected the request (HTTP ${response.status}).`);
  }
  if (response.status === 429 || response.status === 503) {
    return new DomainError("upstream_unavailable", `The inference server for ${model.id} is busy (HTTP ${response.status}). You were not charged; please retry shortly.`, {
      retryAfterSeconds: Number(response.headers.get("retry-after")) || undefined,
    });
  }
  return new DomainError("upstream_error", `The inference server for ${model.id} returned an error (HTTP ${response.status}). You were not charged.`);
}

function authHeaders(upstream: ResolvedUpstream): Record<string, string> {
  return upstream.apiKey ? { authorization: `Bearer ${upstream.apiKey}` } : {};
}

async function post(model: RegisteredModel, path: string, body: string | Uint8Array, headers: Record<string, string>, deadline: Deadline): Promise<Response> {
  const upstream = upstreamOf(model);
  let response: Response;
  try {
    response = await postToUpstream(`${upstream.baseUrl}${path}`, { body, headers: { ...authHeaders(upstream), ...headers }, signal: deadline.signal });
  } catch (error) {
    throw deadline.explain(error, model);
  }
  if (!response.ok) throw await failureFrom(response, model).catch((error: unknown) => deadline.explain(error, model));
  return response;
}

async function postJson(model: RegisteredModel, path: string, payload: object, deadline: Deadline): Promise<Response> {
  return post(model, path, JSON.stringify(payload), { "content-type": "application/json", accept: "application/json, text/event-stream" }, deadline);
}

function garbled(model: RegisteredModel, what: string): DomainError {
  return new DomainError("upstream_error", `The inference server for ${model.id} sent an unreadable ${what}. You were not charged.`);
}

function chatPayload(model: RegisteredModel, params: ChatParams, stream: boolean): object {
  return {
    model: upstreamOf(model).upstreamModel,
    messages: params.messages.map(({ role, content, name }) => (name ? { role, content, name } : { role, content })),
    ...(params.maxTokens !== null && { max_tokens: params.maxTokens }),
    ...(params.temperature !== undefined && { temperature: params.temperature }),
    ...(params.topP !== undefined && { top_p: params.topP }),
    ...(params.seed !== undefined && { seed: params.seed }),
    ...(params.stop?.length && { stop: params.stop }),
    ...(params.frequencyPenalty !== undefined && { frequency_penalty: params.frequencyPenalty }),
    ...(params.presencePenalty !== undefined && { presence_penalty: params.presencePenalty }),
    stream,
    // Always ask for usage: billing needs it even when the client did not ask to see it.
    ...(stream && { stream_options: { include_usage: true } }),
  };
}

function finishReasonOf(value: unknown): FinishReason {
  return value === "length" || value === "content_filter" ? value : "stop";
}

function usageOf(value: unknown): TokenUsage | null {
  if (!value || typeof value !== "object") return null;
  const { prompt_tokens: prompt, completion_tokens: completion } = value as Record<string, unknown>;
  if (typeof prompt !== "number" || typeof completion !== "number" || prompt < 0 || completion < 0) return null;
  return { promptTokens: Math.round(prompt), completionTokens: Math.round(completion) };
}

/** The `data:` payloads of a server-sent event stream, one per event. */
async function* sseData(body: ReadableStream<Uint8Array>, deadline: Deadline): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const events: string[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event.data) });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      deadline.extend();
      parser.feed(decoder.decode(value, { stream: true }));
      for (const data of events.splice(0)) yield data;
    }
    // A server that ends without the last event's blank line still gets that event read.
    parser.feed(`${decoder.decode()}\n\n`);
    yield* events;
  } finally {
    // Cancelling the body is what closes the connection, which is how the server learns to stop.
    await reader.cancel().catch(() => undefined);
  }
}

async function* streamChat(model: RegisteredModel, params: ChatParams, signal: AbortSignal): AsyncGenerator<string, ChatStreamEnd, undefined> {
  const deadline = new Deadline(signal);
  try {
    const response = await postJson(model, "/chat/completions", chatPayload(model, params, true), deadline);
    if (!response.body) throw garbled(model, "stream");
    let finishReason: FinishReason = "stop";
    let usage: TokenUsage | null = null;
    for await (const data of sseData(response.body, deadline)) {
      if (data === "[DONE]") break;
      let chunk: { choices?: { delta?: { content?: unknown }; finish_reason?: unknown }[]; usage?: unknown; error?: unknown };
      try {
        chunk = JSON.parse(data) as typeof chunk;
      } catch {
        throw garbled(model, "stream chunk");
      }
      if (chunk.error) throw new DomainError("upstream_error", `The inference server for ${model.id} failed while generating. You were not charged.`);
      const choice = chunk.choices?.[0];
      const content = choice?.delta?.content;
      if (typeof content === "string" && content.length > 0) yield content;
      if (choice?.finish_reason) finishReason = finishReasonOf(choice.finish_reason);
      usage = usageOf(chunk.usage) ?? usage;
    }
    return { finishReason, usage };
  } catch (error) {
    throw deadline.explain(error, model);
  } finally {
    deadline.clear();
  }
}

async function completeChat(model: RegisteredModel, params: ChatParams, signal: AbortSignal): Promise<ChatCompletionOutput> {
  const deadline = new Deadline(signal);
  try {
    const response = await postJson(model, "/chat/completions", chatPayload(model, params, false), deadline);
    const body = (await response.json().catch((error: unknown) => {
      throw deadline.signal.aborted ? error : garbled(model, "completion");
    })) as { choices?: { message?: { content?: unknown }; finish_reason?: unknown }[]; usage?: unknown };
    const choice = body.choices?.[0];
    if (!choice) throw garbled(model, "completion");
    const content = choice.message?.content;
    return { text: typeof content === "string" ? content : "", finishReason: finishReasonOf(choice.finish_reason), usage: usageOf(body.usage) };
  } catch (error) {
    throw deadline.explain(error, model);
  } finally {
    deadline.clear();
  }
}

async function generateImages(model: RegisteredModel, params: ImageParams, signal: AbortSignal): Promise<Uint8Array[]> {
  const deadline = new Deadline(signal);
  try {
    const response = await postJson(
      model,
      "/images/generations",
      { model: upstreamOf(model).upstreamModel, prompt: params.prompt, n: params.n, size: params.size, response_format: "b64_json" },
      deadline,
    );
    const body = (await response.json().catch(() => null)) as { data?: { b64_json?: unknown; url?: unknown }[] } | null;
    const images = body?.data ?? [];
    if (images.length !== params.n) throw garbled(model, "image response");
    return await Promise.all(
      images.map(async (image) => {
        if (typeof image.b64_json === "string") return new Uint8Array(Buffer.from(image.b64_json, "base64"));
        // Some servers only answer with links; fetch them so that we store and serve the bytes.
        if (typeof image.url === "string") {
          const file = await fetch(image.url, { signal: deadline.signal, cache: "no-store" });
          if (!file.ok) throw garbled(model, "image");
          return new Uint8Array(await file.arrayBuffer());
        }
        throw garbled(model, "image response");
      }),
    );
  } catch (error) {
    throw deadline.explain(error, model);
  } finally {
    deadline.clear();
  }
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

async function transcribe(model: RegisteredModel, params: TranscriptionParams, signal: AbortSignal): Promise<Transcript> {
  const deadline = new Deadline(signal);
  try {
    const form = new FormData();
    form.set("file", new Blob([new Uint8Array(params.audio)]), params.filename);
    form.set("model", upstreamOf(model).upstreamModel);
    form.set("response_format", "verbose_json");
    form.append("timestamp_granularities[]", "segment");
    form.append("timestamp_granularities[]", "word");
    if (params.language) form.set("language", params.language);
    if (params.prompt) form.set("prompt", params.prompt);
    const encoded = new Response(form);
    const response = await post(
      model,
      "/audio/transcriptions",
      new Uint8Array(await encoded.arrayBuffer()),
      { "content-type": encoded.headers.get("content-type") ?? "multipart/form-data" },
      deadline,
    );
    const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    if (!body || typeof body.text !== "string") throw garbled(model, "transcription");
    const segments = Array.isArray(body.segments) ? (body.segments as Record<string, unknown>[]) : [];
    const words = Array.isArray(body.words) ? (body.words as Record<string, unknown>[]) : [];
    return {
      text: body.text.trim(),
      language: typeof body.language === "string" ? body.language : (params.language ?? "english"),
      durationSeconds: numberOr(body.duration, 0),
      segments: segments.map((s, i) => ({ id: numberOr(s.id, i), start: numberOr(s.start, 0), end: numberOr(s.end, 0), text: String(s.text ?? "") })),
      words: words.map((w) => ({ word: String(w.word ?? ""), start: numberOr(w.start, 0), end: numberOr(w.end, 0) })),
    };
  } catch (error) {
    throw deadline.explain(error, model);
  } finally {
    deadline.clear();
  }
}

export const upstreamProvider: InferenceProvider = {
  countPromptTokens: (_model: RegisteredModel, messages: readonly ChatMessage[], purpose: "reserve" | "estimate") =>
    estimatePromptTokens(messages, purpose === "reserve" ? "upper-bound" : "typical"),
  streamChat,
  completeChat,
  generateImages,
  transcribe,
};
