// In-process text generation with ecolink/tiny-chat (models/tiny-chat/).
//
// onnxruntime-node's `session.run` returns a promise but does its work
// synchronously on the calling thread (it is only deferred with setImmediate), so
// running it on the main thread would stall every other request for the length of
// a prefill. The model therefore runs in one worker thread per process, created
// lazily on first use. The worker keeps each generation's key/value cache, so a
// step only ships one token id in and one row of logits out; sampling, stop
// sequences and streaming stay here on the main thread.
import "server-only";
import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";

import { DomainError } from "@/lib/errors";

import { encodeChatPrompt, encodeChatPromptTail, type TinyChatMessage } from "./chat-template";
import { mulberry32, sampleToken } from "./sampler";
import { getTinyChatTokenizer, tinyChatModelDir } from "./tokenizer";

export type { TinyChatMessage, TinyChatRole } from "./chat-template";

export const TINY_CHAT_MODEL_ID = "ecolink/tiny-chat";
export const TINY_CHAT_CONTEXT_LENGTH = 256;

export interface TinyChatGenerateOptions {
  messages: readonly TinyChatMessage[];
  /** At least 1. Generation also ends when the 256-token context is full. */
  maxTokens: number;
  /** 0 = greedy. Default 1, as in the OpenAI API. */
  temperature?: number;
  /** Nucleus sampling mass in (0, 1]. Default 1. */
  topP?: number;
  /** Same seed, same messages and options → same text. Random when omitted. */
  seed?: number;
  /** Generation stops before any of these strings; they are never emitted. */
  stop?: readonly string[];
  signal?: AbortSignal;
}

export interface TinyChatDelta {
  text: string;
}

export interface TinyChatResult {
  finishReason: "stop" | "length";
  /** Tokens actually fed to the model (after left truncation, see generateTinyChat). */
  promptTokens: number;
  /** Generated tokens, including a closing `<|end|>` when the model wrote one. */
  completionTokens: number;
}

/** Thrown when `signal` aborts; carries the usage so far so that it can be billed. */
export class TinyChatAbortedError extends Error {
  constructor(
    readonly promptTokens: number,
    readonly completionTokens: number,
  ) {
    super("tiny-chat generation aborted");
    this.name = "AbortError";
  }
}

interface ModelConfig {
  context_length: number;
  n_layer: number;
  n_head: number;
  head_dim: number;
  vocab_size: number;
}

// Plain JavaScript evaluated in the worker. A string rather than a file because
// a separate worker file would not survive Next.js bundling, and rather than a
// stringified function because bundlers rewrite function bodies with helpers
// that do not exist inside the worker.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { createRequire } = require("node:module");
const path = require("node:path");
const ort = createRequire(path.join(workerData.cwd, "package.json"))("onnxruntime-node");
const { nLayer, nHead, headDim } = workerData;
const caches = new Map();
const live = new Set();
let session;
const ready = ort.InferenceSession.create(workerData.modelPath, {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
}).then((s) => { session = s; });
ready.then(
  () => parentPort.postMessage({ type: "ready" }),
  (e) => parentPort.postMessage({ type: "init-error", message: String((e && e.message) || e) }),
);
parentPort.on("message", async (msg) => {
  if (msg.type === "release") {
    live.delete(msg.requestId);
    caches.delete(msg.requestId);
    return;
  }
  try {
    await ready;
    let past;
    if (msg.type === "prefill") {
      live.add(msg.requestId);
      past = new ort.Tensor("float32", new Float32Array(0), [nLayer, 2, 1, nHead, 0, headDim]);
    } else {
      past = caches.get(msg.requestId);
      if (!past) throw new Error("no cache for request " + msg.requestId);
    }
    const ids = BigInt64Array.from(msg.ids, (x) => BigInt(x));
    const out = await session.run({
      input_ids: new ort.Tensor("int64", ids, [1, ids.length]),
      past_key_values: past,
    });
    // A release may have arrived while this step ran; keeping its cache would leak it.
    if (live.has(msg.requestId)) caches.set(msg.requestId, out.present);
    const vocab = out.logits.dims[2];
    const last = out.logits.data.slice((ids.length - 1) * vocab, ids.length * vocab);
    parentPort.postMessage({ type: "logits", callId: msg.callId, logits: last }, [last.buffer]);
  } catch (e) {
    parentPort.postMessage({ type: "error", callId: msg.callId, message: String((e && e.message) || e) });
  }
});
`;

type WorkerReply =
  | { type: "ready" }
  | { type: "init-error"; message: string }
  | { type: "logits"; callId: number; logits: Float32Array }
  | { type: "error"; callId: number; message: string };

interface PendingCall {
  resolve: (logits: Float32Array) => void;
  reject: (error: Error) => void;
}

class TinyChatEngine {
  private nextCallId = 1;
  private nextRequestId = 1;
  private active = 0;
  private readonly pending = new Map<number, PendingCall>();

  private constructor(private readonly worker: Worker) {}

  static start(): Promise<TinyChatEngine> {
    const dir = tinyChatModelDir();
    const config = JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8")) as ModelConfig;
    if (config.context_length !== TINY_CHAT_CONTEXT_LENGTH) {
      throw new Error(`tiny-chat: config.json context_length ${config.context_length} != ${TINY_CHAT_CONTEXT_LENGTH}`);
    }
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        cwd: process.cwd(),
        modelPath: path.join(dir, "model.onnx"),
        nLayer: config.n_layer,
        nHead: config.n_head,
        headDim: config.head_dim,
      },
    });
    const engine = new TinyChatEngine(worker);
    return new Promise((resolve, reject) => {
      worker.on("message", (reply: WorkerReply) => {
        if (reply.type === "ready") {
          // Idle, the worker must not keep the process alive; generate() refs it.
          worker.unref();
          resolve(engine);
        } else if (reply.type === "init-error") {
          void worker.terminate();
          reject(new Error(reply.message));
        } else {
          engine.settle(reply);
        }
      });
      const fail = (error: Error) => {
        enginePromise = undefined;
        engine.failAll(new DomainError("upstream_error", `tiny-chat worker failed: ${error.message}`));
        reject(error);
      };
      worker.on("error", fail);
      worker.on("exit", (code) => fail(new Error(`tiny-chat worker exited with code ${code}`)));
    });
  }

  openRequest(): number {
    if (this.active++ === 0) this.worker.ref();
    return this.nextRequestId++;
  }

  closeRequest(requestId: number): void {
    this.worker.postMessage({ type: "release", requestId });
    if (--this.active === 0) this.worker.unref();
  }

  /** Feeds `ids` after the request's cache (empty for prefill); logits of the last position. */
  run(type: "prefill" | "step", requestId: number, ids: readonly number[]): Promise<Float32Array> {
    const callId = this.nextCallId++;
    return new Promise((resolve, reject) => {
      this.pending.set(callId, { resolve, reject });
      this.worker.postMessage({ type, requestId, callId, ids });
    });
  }

  private settle(reply: Extract<WorkerReply, { callId: number }>): void {
    const call = this.pending.get(reply.callId);
    if (!call) return;
    this.pending.delete(reply.callId);
    if (reply.type === "logits") call.resolve(reply.logits);
    else call.reject(new DomainError("upstream_error", `tiny-chat inference failed: ${reply.message}`));
  }

  private failAll(error: Error): void {
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
  }
}

let enginePromise: Promise<TinyChatEngine> | undefined;

function getEngine(): Promise<TinyChatEngine> {
  if (!enginePromise) {
    enginePromise = TinyChatEngine.start().catch((error: unknown) => {
      enginePromise = undefined;
      const reason = error instanceof Error ? error.message : String(error);
      throw new DomainError("upstream_unavailable", `The local tiny-chat model could not be loaded: ${reason}`);
    });
  }
  return enginePromise;
}

/** Starts the worker and loads the model now instead of on the first request. */
export async function loadTinyChat(): Promise<void> {
  await getEngine();
}

/** Prompt tokens of `messages` before any truncation: an upper bound for billing. */
export function countChatPromptTokens(messages: readonly TinyChatMessage[]): number {
  return encodeChatPrompt(messages, getTinyChatTokenizer()).length;
}

/**
 * The most prompt tokens a generation of `messages` can be billed, without tokenizing: a token
 * covers at least one byte, each message adds its header and `<|end|>`, the prompt ends with the
 * assistant header, and no more than the context is ever fed to the model.
 */
export function tinyChatPromptTokenBound(messages: readonly TinyChatMessage[]): number {
  let bound = 1;
  for (const message of messages) {
    bound += Buffer.byteLength(message.content, "utf8") + 2;
    if (bound >= TINY_CHAT_CONTEXT_LENGTH) return TINY_CHAT_CONTEXT_LENGTH;
  }
  return bound;
}

/** Length of the longest suffix of `text` (after `from`) that starts one of `stops`. */
function heldBackLength(text: string, from: number, stops: readonly string[]): number {
  let held = 0;
  for (const s of stops) {
    for (let k = Math.min(s.length - 1, text.length - from); k > held; k--) {
      if (text.endsWith(s.slice(0, k))) {
        held = k;
        break;
      }
    }
  }
  return held;
}

function validate(opts: TinyChatGenerateOptions): void {
  if (!Number.isInteger(opts.maxTokens) || opts.maxTokens < 1) {
    throw new DomainError("invalid_request", "max_tokens must be a positive integer", { param: "max_tokens" });
  }
  const t = opts.temperature;
  if (t !== undefined && !(t >= 0 && t <= 2)) {
    throw new DomainError("invalid_request", "temperature must be between 0 and 2", { param: "temperature" });
  }
  const p = opts.topP;
  if (p !== undefined && !(p > 0 && p <= 1)) {
    throw new DomainError("invalid_request", "top_p must be greater than 0 and at most 1", { param: "top_p" });
  }
}

/**
 * Streams the assistant's reply to `messages` as text deltas.
 *
 * A prompt that does not fit is truncated from the left, keeping its tail (the
 * latest turns and the assistant header): at most 256 - min(maxTokens, 128)
 * tokens are kept, so a reply always has room. The reply ends with 'stop' on
 * `<|end|>` or a stop sequence, with 'length' at maxTokens or a full context.
 * Aborting `signal` throws TinyChatAbortedError between two tokens.
 */
export async function* generateTinyChat(opts: TinyChatGenerateOptions): AsyncGenerator<TinyChatDelta, TinyChatResult, undefined> {
  validate(opts);
  const { signal } = opts;
  const tokenizer = getTinyChatTokenizer();
  const stops = (opts.stop ?? []).filter((s) => s.length > 0);
  const params = { temperature: opts.temperature ?? 1, topP: opts.topP ?? 1 };
  const random = mulberry32(opts.seed ?? randomInt(2 ** 32));
  // Opening a new turn is the model's way of saying it is done; `<|end|>` says it
  // properly, so the other headers are never sampled.
  const banned = new Set([tokenizer.specialIds["<|system|>"], tokenizer.specialIds["<|user|>"], tokenizer.specialIds["<|assistant|>"]]);

  const maxPrompt = TINY_CHAT_CONTEXT_LENGTH - Math.min(opts.maxTokens, TINY_CHAT_CONTEXT_LENGTH / 2);
  const prompt = encodeChatPromptTail(opts.messages, tokenizer, maxPrompt);
  const promptTokens = prompt.length;
  const limit = Math.min(opts.maxTokens, TINY_CHAT_CONTEXT_LENGTH - promptTokens);
  let completionTokens = 0;
  const checkAbort = () => {
    if (signal?.aborted) throw new TinyChatAbortedError(promptTokens, completionTokens);
  };

  checkAbort();
  const engine = await getEngine();
  const requestId = engine.openRequest();
  try {
    checkAbort();
    let logits = await engine.run("prefill", requestId, prompt);
    // A streaming decoder, because one character's UTF-8 bytes can span tokens.
    const decoder = new TextDecoder("utf-8");
    let text = "";
    let emitted = 0;
    for (;;) {
      checkAbort();
      const token = sampleToken(logits, params, random, banned);
      completionTokens += 1;
      if (token === tokenizer.endId) break;
      text += decoder.decode(tokenizer.bytesOf(token), { stream: true });
      if (completionTokens >= limit) text += decoder.decode();

      let stopAt = -1;
      for (const s of stops) {
        const at = text.indexOf(s, emitted);
        if (at !== -1 && (stopAt === -1 || at < stopAt)) stopAt = at;
      }
      if (stopAt !== -1) {
        if (stopAt > emitted) yield { text: text.slice(emitted, stopAt) };
        return { finishReason: "stop", promptTokens, completionTokens };
      }

      const done = completionTokens >= limit;
      const safe = done ? text.length : text.length - heldBackLength(text, emitted, stops);
      if (safe > emitted) {
        const delta = text.slice(emitted, safe);
        emitted = safe;
        yield { text: delta };
      }
      if (done) return { finishReason: "length", promptTokens, completionTokens };

      // Let timers and other requests' I/O run between tokens.
      await new Promise<void>((resolve) => setImmediate(resolve));
      checkAbort();
      logits = await engine.run("step", requestId, [token]);
    }
    const rest = text.slice(emitted) + decoder.decode();
    if (rest.length > 0) yield { text: rest };
    return { finishReason: "stop", promptTokens, completionTokens };
  } finally {
    engine.closeRequest(requestId);
  }
}
