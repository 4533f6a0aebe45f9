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
import { errorCodeIn } from "@/lib/error-codes";
import { DomainError } from "@/lib/errors";
import { PROMPT_TEMPLATE_TOKEN_BOUND } from "@/lib/inference/pricing";
import type { RegisteredModel, ResolvedUpstream, UpstreamEndpoint } from "@/lib/inference/registry";
import { acquireEndpoint, type EndpointLease } from "@/lib/inference/upstream-pool";
import { upstreamTraceOf } from "@/lib/inference/upstream-trace";
import {
  type ChoiceChunk,
  type EmbeddingOutput,
  type EmbeddingRequest,
  type GenerationChunk,
  type GenerationKind,
  type GenerationOutput,
  type GenerationRequest,
  type GenerationStreamEnd,
  InferenceAbortedError,
  type ImageParams,
  type InferenceProvider,
  type SpeechRequest,
  type TokenUsage,
  type Transcript,
  type TranscriptionParams,
} from "@/lib/inference/providers/types";
import { postToUpstream, type UpstreamResponse } from "@/lib/inference/providers/upstream-http";
import { turnSlot } from "@/lib/http/turn-budget";

const CONNECT_ERROR_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);
const MAX_ERROR_BODY_CHARS = 2_000;
// Errors before an answer's headers that another endpoint may not have: no connection, or one
// reset before it answered (a server that went down, or a kept-alive connection it had closed).
const FAILOVER_ERROR_CODES = new Set([...CONNECT_ERROR_CODES, "ECONNRESET", "EPIPE"]);
/** Answers that say this endpoint can't serve now, so another one of the pool is tried. */
const FAILOVER_STATUSES = new Set([502, 503, 504]);

/** The model's pool of servers, as the registry resolved it. */
function endpointsOf(model: RegisteredModel): ResolvedUpstream["endpoints"] {
  if (!model.upstream) throw new DomainError("not_configured", `No inference server is configured for ${model.id}.`);
  return model.upstream.endpoints;
}

/**
 * The caller's signal plus a timer that fires after UPSTREAM_TIMEOUT_MS without progress, as one
 * signal. Linked by a listener, which clear() removes, rather than AbortSignal.any, whose weak
 * references keep every request's objects alive past the young generation's collections. Each
 * attempt at an endpoint gets a signal and a timer of its own (restart()); the endpoint slots
 * post() takes are the call's until clear(), which every call runs when it is done reading.
 */
class Deadline {
  private controller = new AbortController();
  private stopFollowingCaller: () => void;
  private timer: NodeJS.Timeout | undefined;
  private timedOut = false;
  private readonly leases: EndpointLease[] = [];

  constructor(readonly caller: AbortSignal) {
    this.stopFollowingCaller = followAbort(caller, this.controller);
    this.extend();
  }

  /** The current attempt's signal: aborting it closes that attempt's connection. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Whether the current attempt ran out of time (as opposed to its caller leaving). */
  get expired(): boolean {
    return this.timedOut && !this.caller.aborted;
  }

  /**
   * Progress was made: the upstream has another UPSTREAM_TIMEOUT_MS. Called for every chunk of a
   * stream, so the running timer is re-armed in place rather than replaced.
   */
  extend(): void {
    if (this.timer) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, env().UPSTREAM_TIMEOUT_MS);
  }

  /** No upstream is working for the call (it waits for a slot): the clock stops until restart(). */
  pause(): void {
    this.stopClock();
  }

  private stopClock(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The next attempt: a fresh signal with a fresh UPSTREAM_TIMEOUT_MS. */
  restart(): void {
    this.stopClock();
    this.stopFollowingCaller();
    this.controller = new AbortController();
    this.timedOut = false;
    this.stopFollowingCaller = followAbort(this.caller, this.controller);
    this.extend();
  }

  /** Keeps an endpoint slot until clear(). */
  hold(lease: EndpointLease): void {
    this.leases.push(lease);
  }

  clear(): void {
    this.stopClock();
    this.stopFollowingCaller();
    for (const lease of this.leases.splice(0)) lease.release();
  }

  /** What a thrown error means, given which signal (if any) fired. */
  explain(error: unknown, model: RegisteredModel): Error {
    if (this.caller.aborted) return new InferenceAbortedError();
    if (this.timedOut) {
      return new DomainError(
        "upstream_timeout",
        `The inference server for ${model.id} did not answer within ${env().UPSTREAM_TIMEOUT_MS / 1000} s. You were not charged.`,
      );
    }
    if (error instanceof DomainError) return error;
    const code = errorCodeIn(error, CONNECT_ERROR_CODES);
    if (code)
      return new DomainError(
        "upstream_unavailable",
        `The inference server for ${model.id} is unreachable right now (${code}). You were not charged; please retry shortly.`,
      );
    return new DomainError("upstream_error", `The connection to the inference server for ${model.id} failed. You were not charged.`);
  }
}

async function failureFrom(response: UpstreamResponse, model: RegisteredModel): Promise<DomainError> {
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
    return new DomainError(
      "upstream_unavailable",
      `The inference server for ${model.id} is busy (HTTP ${response.status}). You were not charged; please retry shortly.`,
      {
        retryAfterSeconds: Number(response.headers.get("retry-after")) || undefined,
      },
    );
  }
  return new DomainError("upstream_error", `The inference server for ${model.id} returned an error (HTTP ${response.status}). You were not charged.`);
}

function authHeaders(endpoint: UpstreamEndpoint): Record<string, string> {
  return endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {};
}

type UpstreamBody = string | Uint8Array;
/** One attempt's request body for the endpoint it goes to, with headers of its own if it needs them (a multipart boundary). */
type BodyFor = (
  endpoint: UpstreamEndpoint,
) => UpstreamBody | { body: UpstreamBody; headers: Record<string, string> } | Promise<UpstreamBody | { body: UpstreamBody; headers: Record<string, string> }>;

/**
 * POSTs to the model's pool (lib/inference/upstream-pool.ts) and returns the first answer that is
 * not a failure. A connection error, no answer headers within UPSTREAM_TIMEOUT_MS, or a 502/503/504
 * moves the request to another endpoint, at most UPSTREAM_MAX_ATTEMPTS in all: nothing has reached
 * the client yet, since the caller has not read a byte of any answer. Once this returns, the
 * request stays on its endpoint (a stream cut later is never sent again). `body` is the same bytes
 * for every endpoint, or built per endpoint (whose upstream model name and key may differ).
 */
async function post(
  model: RegisteredModel,
  path: string,
  body: UpstreamBody | BodyFor,
  headers: Record<string, string>,
  deadline: Deadline,
): Promise<UpstreamResponse> {
  const endpoints = endpointsOf(model);
  const trace = upstreamTraceOf(deadline.caller);
  const tried = new Set<string>();
  const maxAttempts = env().UPSTREAM_MAX_ATTEMPTS;
  /** Whether a failed attempt is followed by another (for the retries metric). */
  const retriedAfter = (attempt: number, retryable: boolean) => retryable && attempt + 1 < maxAttempts && tried.size < endpoints.length;
  let lastFailure: Error | undefined;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    let lease: EndpointLease | null;
    deadline.pause();
    try {
      lease = await acquireEndpoint(model.id, endpoints, tried, deadline.caller);
    } catch (error) {
      throw deadline.explain(error, model);
    }
    if (!lease) break;
    deadline.hold(lease);
    const { endpoint } = lease;
    tried.add(endpoint.name);
    // The endpoint has UPSTREAM_TIMEOUT_MS from now: time spent waiting for a slot is not its.
    deadline.restart();
    if (trace) trace.attempts += 1;
    const built = typeof body === "function" ? await body(endpoint) : body;
    const request = typeof built === "string" || built instanceof Uint8Array ? { body: built, headers: {} } : built;
    let response: UpstreamResponse;
    try {
      response = await postToUpstream(`${endpoint.baseUrl}${path}`, {
        body: request.body,
        headers: { ...authHeaders(endpoint), ...headers, ...request.headers },
        signal: deadline.signal,
      });
    } catch (error) {
      const failure = deadline.explain(error, model);
      if (failure instanceof InferenceAbortedError) {
        lease.release();
        throw failure;
      }
      const retryable = deadline.expired || errorCodeIn(error, FAILOVER_ERROR_CODES) !== null;
      lease.report(deadline.expired ? "timeout" : "connect_error", retriedAfter(attempt, retryable));
      // A failed attempt's slot is free at once, not when the request ends on another endpoint.
      lease.release();
      if (!retryable) throw failure;
      lastFailure = failure;
      continue;
    }
    if (response.ok) {
      lease.report("ok", false);
      if (trace) trace.endpoint = endpoint.name;
      return response;
    }
    const failure = await failureFrom(response, model).catch((error: unknown) => deadline.explain(error, model));
    const retryable = FAILOVER_STATUSES.has(response.status);
    lease.report(response.status >= 500 ? "server_error" : "client_error", retriedAfter(attempt, retryable));
    lease.release();
    if (!retryable) {
      if (trace) trace.endpoint = endpoint.name;
      throw failure;
    }
    lastFailure = failure;
  }
  throw (
    lastFailure ??
    new DomainError("upstream_unavailable", `No inference server for ${model.id} could take the request. You were not charged; please retry shortly.`)
  );
}

/** A JSON request; its `model` is set to each attempt's endpoint's upstream model name. */
async function postJson(model: RegisteredModel, path: string, payload: object, deadline: Deadline): Promise<UpstreamResponse> {
  return post(
    model,
    path,
    (endpoint) => JSON.stringify({ ...payload, model: endpoint.upstreamModel }),
    { "content-type": "application/json", accept: "application/json, text/event-stream" },
    deadline,
  );
}

/** A multipart request; its `model` field is set to each attempt's endpoint's upstream model name. */
async function postForm(model: RegisteredModel, path: string, form: FormData, deadline: Deadline): Promise<UpstreamResponse> {
  return post(
    model,
    path,
    async (endpoint) => {
      form.set("model", endpoint.upstreamModel);
      const encoded = new Response(form);
      return { body: new Uint8Array(await encoded.arrayBuffer()), headers: { "content-type": encoded.headers.get("content-type") ?? "multipart/form-data" } };
    },
    {},
    deadline,
  );
}

function garbled(model: RegisteredModel, what: string): DomainError {
  return new DomainError("upstream_error", `The inference server for ${model.id} sent an unreadable ${what}. You were not charged.`);
}

/** The client's request as the upstream gets it: unchanged but for the model's name there (postJson sets it), and usage always asked for. */
function generationPayload(request: GenerationRequest): object {
  const streamOptions = request.body.stream_options;
  return {
    ...request.body,
    stream: request.stream,
    // Billing needs usage even when the client did not ask to see it; the core strips it then.
    ...(request.stream && { stream_options: { ...(typeof streamOptions === "object" && streamOptions), include_usage: true } }),
  };
}

const FINISH_REASONS = new Set(["stop", "length", "tool_calls", "content_filter", "function_call"]);

function finishReasonOf(value: unknown): string | null {
  if (value == null) return null;
  return typeof value === "string" && FINISH_REASONS.has(value) ? value : "stop";
}

function usageOf(value: unknown): TokenUsage | null {
  if (!value || typeof value !== "object") return null;
  const { prompt_tokens: prompt, completion_tokens: completion, prompt_tokens_details, completion_tokens_details } = value as Record<string, unknown>;
  if (typeof prompt !== "number" || typeof completion !== "number" || prompt < 0 || completion < 0) return null;
  const details: Record<string, unknown> = {};
  if (isObject(prompt_tokens_details)) details.prompt_tokens_details = prompt_tokens_details;
  if (isObject(completion_tokens_details)) details.completion_tokens_details = completion_tokens_details;
  return { promptTokens: Math.round(prompt), completionTokens: Math.round(completion), ...(Object.keys(details).length && { details }) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The fields that have a value. Servers built on pydantic (vLLM among them) send every optional
 * field of a message, null when unset (tool_calls, function_call, annotations, audio…), where
 * OpenAI's schema has an array or object or nothing: relayed as they are, those nulls make the
 * answer invalid for clients that check it.
 */
function withoutNulls(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== null));
}

/** A choice of an upstream chunk or answer, with the fields OpenAI's schema requires filled in. */
function choiceOf(value: unknown, position: number, model: RegisteredModel, what: string): ChoiceChunk {
  if (!isObject(value)) throw garbled(model, what);
  const index = typeof value.index === "number" ? value.index : position;
  return { ...value, index, logprobs: value.logprobs ?? null, finish_reason: finishReasonOf(value.finish_reason) };
}

/** Whether a streamed choice carries generated output (one token, as servers stream them). */
function carriesOutput(choice: ChoiceChunk, kind: GenerationKind): boolean {
  if (kind === "completion") return typeof choice.text === "string" && choice.text.length > 0;
  const delta = choice.delta;
  if (!isObject(delta)) return false;
  return (
    (typeof delta.content === "string" && delta.content.length > 0) ||
    (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) ||
    (typeof delta.refusal === "string" && delta.refusal.length > 0) ||
    (typeof delta.reasoning_content === "string" && delta.reasoning_content.length > 0) ||
    delta.function_call != null
  );
}

/** The generated text of a finished choice: what a tokenizer counts when the upstream reports no usage. */
function outputTextOf(choice: ChoiceChunk, kind: GenerationKind): string {
  if (kind === "completion") return typeof choice.text === "string" ? choice.text : "";
  const message = isObject(choice.message) ? choice.message : {};
  const calls = Array.isArray(message.tool_calls) ? (message.tool_calls as unknown[]) : [];
  const args = calls.map((call) => (isObject(call) && isObject(call.function) && typeof call.function.arguments === "string" ? call.function.arguments : ""));
  return [typeof message.content === "string" ? message.content : "", typeof message.refusal === "string" ? message.refusal : "", ...args].join("");
}

function pathOf(kind: GenerationKind): string {
  return kind === "chat" ? "/chat/completions" : "/completions";
}

/**
 * The `data:` payloads of a server-sent event stream as its bytes come: each read gives the events
 * it completes; the last (no bytes) also gives an event that ended without its blank line.
 */
function sseEvents(): (bytes: Uint8Array | null) => string[] {
  const decoder = new TextDecoder();
  const events: string[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event.data) });
  return (bytes) => {
    parser.feed(bytes ? decoder.decode(bytes, { stream: true }) : `${decoder.decode()}\n\n`);
    return events.splice(0);
  };
}

/** A stream event's chunk (null: none of its choices) and usage, as the core takes them. */
function streamedChunkOf(data: string, model: RegisteredModel, kind: GenerationKind): { chunk: GenerationChunk | null; usage: TokenUsage | null } {
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    throw garbled(model, "stream chunk");
  }
  if (!isObject(chunk)) throw garbled(model, "stream chunk");
  if (chunk.error) throw new DomainError("upstream_error", `The inference server for ${model.id} failed while generating. You were not charged.`);
  const choices = Array.isArray(chunk.choices) ? chunk.choices.map((choice, i) => choiceOf(choice, i, model, "stream chunk")) : [];
  let tokens = 0;
  for (const choice of choices) if (carriesOutput(choice, kind)) tokens += 1;
  return { chunk: choices.length ? { choices, tokens } : null, usage: usageOf(chunk.usage) };
}

/**
 * The server's stream, read as it comes up to [DONE], in one loop per chunk of bytes: this runs
 * for every token of every open stream, where each layer of async iteration costs (`npm run bench`,
 * open streams).
 */
async function* streamGeneration(
  model: RegisteredModel,
  request: GenerationRequest,
  signal: AbortSignal,
): AsyncGenerator<GenerationChunk, GenerationStreamEnd, undefined> {
  const deadline = new Deadline(signal);
  let response: UpstreamResponse | null = null;
  let finished = false;
  try {
    response = await postJson(model, pathOf(request.kind), generationPayload(request), deadline);
    if (!response.body) throw garbled(model, "stream");
    const body = response.body[Symbol.asyncIterator]();
    const eventsOf = sseEvents();
    let usage: TokenUsage | null = null;
    // Until the first token, the wait is a person's: the turn budget lets it go first.
    let outputStarted = false;
    while (!finished) {
      const read = await body.next();
      if (read.done) finished = true;
      else {
        deadline.extend();
        // The chunks of a whole decode step (every stream of the batch) arrive together.
        const slot = turnSlot(!outputStarted);
        if (slot) await slot;
      }
      for (const data of eventsOf(read.done ? null : read.value)) {
        if (data === "[DONE]") {
          finished = true;
          break;
        }
        const streamed = streamedChunkOf(data, model, request.kind);
        usage = streamed.usage ?? usage;
        if (streamed.chunk) {
          outputStarted ||= streamed.chunk.tokens > 0;
          yield streamed.chunk;
        }
      }
    }
    return { usage };
  } catch (error) {
    throw deadline.explain(error, model);
  } finally {
    // A finished stream's connection is kept for the next request; one left early (the caller
    // stopped, or the stream is garbled) is closed, which is how the server learns to stop.
    if (finished) response?.release();
    else response?.close();
    deadline.clear();
  }
}

async function completeGeneration(model: RegisteredModel, request: GenerationRequest, signal: AbortSignal): Promise<GenerationOutput> {
  const deadline = new Deadline(signal);
  try {
    const response = await postJson(model, pathOf(request.kind), generationPayload(request), deadline);
    const body = await response.json().catch((error: unknown) => {
      throw deadline.signal.aborted ? error : garbled(model, "completion");
    });
    if (!isObject(body) || !Array.isArray(body.choices) || body.choices.length === 0) throw garbled(model, "completion");
    const choices = body.choices.map((choice, i) => {
      const normal = choiceOf(choice, i, model, "completion");
      if (request.kind === "chat") {
        const message = isObject(normal.message) ? withoutNulls(normal.message) : {};
        normal.message = { ...message, role: "assistant", content: message.content ?? null, refusal: message.refusal ?? null };
      } else if (typeof normal.text !== "string") normal.text = "";
      return normal;
    });
    return {
      choices,
      text: choices.map((choice) => outputTextOf(choice, request.kind)).join(""),
      usage: usageOf(body.usage),
      systemFingerprint: typeof body.system_fingerprint === "string" ? body.system_fingerprint : null,
    };
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
      { prompt: params.prompt, n: params.n, size: params.size, response_format: "b64_json" },
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
    form.set("response_format", "verbose_json");
    // Translations have no timestamp granularities or language (the output is always English).
    if (params.task === "transcribe") {
      form.append("timestamp_granularities[]", "segment");
      form.append("timestamp_granularities[]", "word");
      if (params.language) form.set("language", params.language);
    }
    if (params.prompt) form.set("prompt", params.prompt);
    if (params.temperature !== undefined) form.set("temperature", String(params.temperature));
    const response = await postForm(model, params.task === "translate" ? "/audio/translations" : "/audio/transcriptions", form, deadline);
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

/** A vector as servers send it: a JSON array of numbers, or base64 of little-endian float32s. */
function vectorOf(value: unknown): number[] | null {
  if (Array.isArray(value)) return value.every((x) => typeof x === "number" && Number.isFinite(x)) ? (value as number[]) : null;
  if (typeof value !== "string") return null;
  const bytes = Buffer.from(value, "base64");
  if (bytes.byteLength % 4 !== 0) return null;
  return Array.from({ length: bytes.byteLength / 4 }, (_, i) => bytes.readFloatLE(i * 4));
}

async function embed(model: RegisteredModel, request: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingOutput> {
  const deadline = new Deadline(signal);
  const count = request.inputs.kind === "text" ? request.inputs.texts.length : request.inputs.ids.length;
  try {
    // Floats whatever the client asked: the core checks the vectors and encodes base64 itself.
    const payload = { ...request.body, encoding_format: "float" };
    const response = await postJson(model, "/embeddings", payload, deadline);
    const body = (await response.json().catch(() => null)) as { data?: unknown; usage?: { prompt_tokens?: unknown } } | null;
    if (!body || !Array.isArray(body.data) || body.data.length !== count) throw garbled(model, "embeddings response");
    const vectors: number[][] = new Array(count);
    body.data.forEach((item: unknown, position) => {
      const index = isObject(item) && typeof item.index === "number" ? item.index : position;
      const vector = isObject(item) ? vectorOf(item.embedding) : null;
      if (!vector || !Number.isInteger(index) || index < 0 || index >= count || vectors[index]) throw garbled(model, "embeddings response");
      vectors[index] = vector;
    });
    const promptTokens = body.usage?.prompt_tokens;
    return { vectors, promptTokens: typeof promptTokens === "number" && Number.isInteger(promptTokens) && promptTokens >= 0 ? promptTokens : null };
  } catch (error) {
    throw deadline.explain(error, model);
  } finally {
    deadline.clear();
  }
}

async function synthesizeSpeech(model: RegisteredModel, request: SpeechRequest, signal: AbortSignal): Promise<Uint8Array> {
  const deadline = new Deadline(signal);
  try {
    const response = await postJson(model, "/audio/speech", request.body, deadline);
    const type = response.headers.get("content-type") ?? "";
    // A JSON or text answer with a 200 is an error some servers send that way, not audio.
    if (/^(application\/json|text\/)/i.test(type)) throw garbled(model, "speech response");
    const audio = new Uint8Array(await response.arrayBuffer());
    if (audio.byteLength === 0) throw garbled(model, "speech response");
    return audio;
  } catch (error) {
    throw deadline.explain(error, model);
  } finally {
    deadline.clear();
  }
}

export const upstreamProvider: InferenceProvider = {
  // One token per byte: no byte-level BPE tokenizer does worse. Media is priced by the core.
  promptTokenBound: (_model, _request, promptBytes) => promptBytes + PROMPT_TEMPLATE_TOKEN_BOUND,
  streamGeneration,
  completeGeneration,
  generateImages,
  transcribe,
  embed,
  synthesizeSpeech,
};
