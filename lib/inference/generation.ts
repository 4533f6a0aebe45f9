// Text generation, the gateway's core: POST /v1/chat/completions, POST /v1/completions and the
// console's playground all come here, so a playground message is billed, logged and limited like a
// curl call. Validate, check the model can do what is asked, price the worst case, reserve, call
// the provider (while the hold is written, for an account seen with credit moments ago: metering.ts's
// openRequest), settle, and answer in OpenAI's shapes with our ids and model names.
//
// Upstreams receive the client's request unchanged (tools, response_format, images, n, logprobs,
// vendor fields…) and their choices come back as they sent them, tool-call deltas included; the
// only thing we add is usage, always asked for and stripped from a stream whose client did not ask.
//
// A stream is only returned once the provider produced its first chunk (or finished), so that a
// provider that fails up front still gets a proper error status instead of a 200 stream. After
// that, a provider failure ends the stream with an OpenAI error event, billed for the output sent
// before it; a caller
// who hangs up (options.signal aborts, or the stream's consumer stops iterating) aborts the
// provider call and pays for the prompt and the tokens generated so far.
//
// A plain answer is returned while its settlement is written (metering.ts's meteredCall); a
// stream's chunks go out as they come while checkpoints record what went (lib/inference/
// checkpoints.ts), never more than UNRECORDED_OUTPUT_TOKENS past the last one committed, and its
// end goes out while its settlement is written. If the process dies, the request is billed from
// its last checkpoint: what the stream delivered, less at most those tokens.
import { randomUUID } from "node:crypto";
import { nanosToUsdNumber } from "@/lib/credits/money";
import { DomainError } from "@/lib/errors";
import { requireCapabilities } from "@/lib/inference/capabilities";
import { parseChatCompletionRequest } from "@/lib/inference/chat-request";
import { checkpointDelivery, type CheckpointResult } from "@/lib/inference/checkpoints";
import { parseCompletionRequest } from "@/lib/inference/completion-request";
import { endedByShutdown } from "@/lib/inference/gateway-instance";
import type { ParsedGeneration } from "@/lib/inference/generation-request";
import {
  type BilledUsage,
  cancelledOutcome,
  meteredCall,
  elapsedMs,
  failedOutcome,
  type InferenceOptions,
  type InferencePrincipal,
  openRequest,
  settle,
  settleWhileAnswering,
  succeededOutcome,
  undeliveredOutcome,
} from "@/lib/inference/metering";
import { type OpenAIErrorBody, toOpenAIError } from "@/lib/inference/openai-errors";
import { chatCost, typicalPromptTokens } from "@/lib/inference/pricing";
import { providerFor } from "@/lib/inference/providers";
import {
  type ChoiceChunk,
  type GenerationChunk,
  type GenerationStreamEnd,
  InferenceAbortedError,
  type InferenceProvider,
  type TokenUsage,
} from "@/lib/inference/providers/types";
import { type RegisteredModel, requireModel } from "@/lib/inference/registry";
import { countOutputTokens, countPromptTokens } from "@/lib/inference/usage-count";

export const CHAT_ENDPOINT = "/v1/chat/completions";
export const COMPLETIONS_ENDPOINT = "/v1/completions";
/** Output cap for a model whose context length is unknown, when the request names none. */
const DEFAULT_MAX_OUTPUT_TOKENS = 4_096;
/**
 * Audio inputs are held at one token per this many bytes of audio: denser than any audio model's
 * tokens (Whisper-style encoders make about 25 to 50 per second, of 4 to 32 KB of audio).
 */
const AUDIO_BYTES_PER_TOKEN_BOUND = 16;

export interface GenerationUsageBody {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: unknown;
  completion_tokens_details?: unknown;
  /** Dollars charged for the request (an EcoLink extension of OpenAI's usage object). */
  cost: number;
}

/** A chat.completion or text_completion object. */
export interface GenerationResponse {
  id: string;
  object: "chat.completion" | "text_completion";
  created: number;
  model: string;
  system_fingerprint?: string;
  choices: ChoiceChunk[];
  usage: GenerationUsageBody;
}

/** A chat.completion.chunk (or text_completion chunk). */
export interface GenerationChunkBody {
  id: string;
  object: "chat.completion.chunk" | "text_completion";
  created: number;
  model: string;
  choices: ChoiceChunk[];
  usage?: GenerationUsageBody | null;
}

/** What a stream yields: chunks, possibly ended by one error event (then no [DONE]). */
export type GenerationStreamEvent = GenerationChunkBody | OpenAIErrorBody;

/** A stream of events; stopping the iteration early (return()) cancels the request. */
export type GenerationStream = AsyncIterableIterator<GenerationStreamEvent>;

export type GenerationResult =
  | { requestId: string; stream: false; cost: bigint; response: GenerationResponse }
  | { requestId: string; stream: true; events: GenerationStream };

export function isStreamError(event: GenerationStreamEvent): event is OpenAIErrorBody {
  return "error" in event;
}

function usageBody(usage: TokenUsage, cost: bigint): GenerationUsageBody {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
    ...usage.details,
    cost: nanosToUsdNumber(cost),
  };
}

/** A request about to be held: what its answer needs, whichever way it is sent. */
interface Generation {
  principal: InferencePrincipal;
  parsed: ParsedGeneration;
  model: RegisteredModel;
  provider: InferenceProvider;
  responseId: string;
  created: number;
  startedAt: number;
  /** Nano-dollars held for the request: the most it can be charged. */
  reserved: bigint;
}

/** A stream in progress. */
interface Call extends Generation {
  requestId: string;
  controller: AbortController;
}

function outputCap(parsed: ParsedGeneration, model: RegisteredModel): number {
  const asked = parsed.maxTokens;
  const context = model.contextLength;
  if (asked !== null && context !== null && asked > context) {
    const param = parsed.maxTokensParam;
    throw new DomainError(
      "invalid_request",
      `${param} is too large: ${asked}. ${model.id} supports at most ${context} tokens (prompt and completion together).`,
      { param },
    );
  }
  return asked ?? context ?? DEFAULT_MAX_OUTPUT_TOKENS;
}

/** POST /v1/chat/completions. */
export function createChatCompletion(principal: InferencePrincipal, body: unknown, options: InferenceOptions = {}): Promise<GenerationResult> {
  const startedAt = performance.now();
  return generate(principal, parseChatCompletionRequest(body), CHAT_ENDPOINT, options, startedAt);
}

/** POST /v1/completions, the legacy text completions. */
export function createCompletion(principal: InferencePrincipal, body: unknown, options: InferenceOptions = {}): Promise<GenerationResult> {
  const startedAt = performance.now();
  return generate(principal, parseCompletionRequest(body), COMPLETIONS_ENDPOINT, options, startedAt);
}

async function generate(
  principal: InferencePrincipal,
  parsed: ParsedGeneration,
  endpoint: string,
  options: InferenceOptions,
  startedAt: number,
): Promise<GenerationResult> {
  const model = await requireModel(parsed.model, "CHAT");
  requireCapabilities(model.id, model.capabilities, parsed.needs);
  const provider = providerFor(model);
  const maxOutput = outputCap(parsed, model);
  const { request } = parsed;
  if (parsed.maxTokens === null && model.contextLength === null) {
    // The hold must bound what the upstream may generate.
    request.params.maxTokens = maxOutput;
    request.body = { ...request.body, max_tokens: maxOutput };
  }
  const promptBound =
    provider.promptTokenBound(model, request, parsed.promptBytes) +
    parsed.images * model.capabilities.imageInputTokens +
    Math.ceil(parsed.audioBytes / AUDIO_BYTES_PER_TOKEN_BOUND);
  const generation: Generation = {
    principal,
    parsed,
    model,
    provider,
    responseId: `${request.kind === "chat" ? "chatcmpl" : "cmpl"}-${randomUUID().replace(/-/g, "")}`,
    created: Math.floor(Date.now() / 1000),
    startedAt,
    reserved: chatCost(model.prices, { promptTokens: promptBound, completionTokens: parsed.choices * maxOutput }),
  };
  if (!request.stream) return complete(generation, endpoint, options);
  const { call, controller, work } = await openRequest(
    { principal, modelId: model.id, endpoint, hold: generation.reserved, options, startedAt },
    async ({ signal }): Promise<StreamStart> => {
      const upstream = provider.streamGeneration(model, request, signal);
      return { upstream, first: await upstream.next() };
    },
    ({ upstream }) => void stopReading(upstream),
  );
  return startStream({ ...generation, requestId: call.requestId, controller }, work);
}

/** What the request is charged for `usage`: its price, capped at the hold as settleRequest caps it. */
function billed(generation: Generation, usage: TokenUsage, usageCounted: boolean): BilledUsage {
  const price = chatCost(generation.model.prices, usage);
  return {
    cost: price < generation.reserved ? price : generation.reserved,
    inputTokens: usage.promptTokens,
    outputTokens: usage.completionTokens,
    ...(usageCounted && { usageCounted }),
  };
}

/** A plain answer: held, generated, and returned while it is settled (metering.ts's one sequence). */
async function complete(generation: Generation, endpoint: string, options: InferenceOptions): Promise<GenerationResult> {
  const { model, parsed, provider } = generation;
  const metered = await meteredCall(
    { principal: generation.principal, modelId: model.id, endpoint, hold: generation.reserved, options, startedAt: generation.startedAt },
    async ({ signal }) => {
      const output = await provider.completeGeneration(model, parsed.request, signal);
      const usage = output.usage ?? { promptTokens: await countPromptTokens(model, parsed), completionTokens: await countOutputTokens(model, output.text) };
      return {
        usage: billed(generation, usage, output.usage === null),
        answer: (cost): GenerationResponse => ({
          id: generation.responseId,
          object: parsed.request.kind === "chat" ? "chat.completion" : "text_completion",
          created: generation.created,
          model: model.id,
          ...(output.systemFingerprint !== null && { system_fingerprint: output.systemFingerprint }),
          choices: output.choices,
          usage: usageBody(usage, cost),
        }),
      };
    },
  );
  return { requestId: metered.requestId, stream: false, cost: metered.cost, response: metered.body };
}

/** The provider's stream of a request, once its first chunk (or its end) has come. */
interface StreamStart {
  upstream: AsyncGenerator<GenerationChunk, GenerationStreamEnd, undefined>;
  first: IteratorResult<GenerationChunk, GenerationStreamEnd>;
}

/** Leaves the provider's stream, which closes its connection and frees its endpoint slot; never throws. */
function stopReading(upstream: StreamStart["upstream"]): Promise<unknown> {
  return upstream.return(undefined as never).catch(() => undefined);
}

async function startStream(call: Call, started: Promise<StreamStart>): Promise<GenerationResult> {
  let upstream: StreamStart["upstream"];
  let first: StreamStart["first"];
  try {
    ({ upstream, first } = await started);
  } catch (error) {
    await settle(call.principal.userId, call.requestId, undeliveredOutcome(error, call.controller.signal, call.startedAt));
    throw error;
  }
  const events = streamEvents(call, upstream, first);
  // Stopping early must abort the provider at once, even while it is waiting for a token.
  const iterator: GenerationStream = {
    [Symbol.asyncIterator]() {
      return iterator;
    },
    next: () => events.next(),
    return: async () => {
      call.controller.abort();
      await events.return(undefined);
      return { done: true, value: undefined };
    },
  };
  return { requestId: call.requestId, stream: true, events: iterator };
}

/** Chunks read from the provider and not yet sent, at most. */
const READ_AHEAD_CHUNKS = 64;
/**
 * Output tokens a stream sends past its last committed checkpoint, at most (or one chunk, if it
 * carries more): what a crash can cut from its bill. Reached only while checkpoints can't keep up.
 */
export const UNRECORDED_OUTPUT_TOKENS = 32;

/** How the provider's stream ended. */
type ProviderEnd = { kind: "end"; end: GenerationStreamEnd } | { kind: "error"; error: unknown };
type CheckpointStep = { kind: "checkpoint"; result: CheckpointResult } | { kind: "checkpoint_failed"; error: unknown };

async function* streamEvents(
  call: Call,
  upstream: AsyncGenerator<GenerationChunk, GenerationStreamEnd, undefined>,
  first: IteratorResult<GenerationChunk, GenerationStreamEnd>,
): AsyncGenerator<GenerationStreamEvent, void, undefined> {
  const { model, parsed } = call;
  const withUsageField = parsed.includeUsage ? { usage: null } : {};
  const object = parsed.request.kind === "chat" ? "chat.completion.chunk" : "text_completion";
  const body = (choices: ChoiceChunk[]): GenerationChunkBody => ({
    id: call.responseId,
    object,
    created: call.created,
    model: model.id,
    choices,
    ...withUsageField,
  });
  const ttftMs = first.done ? null : elapsedMs(call.startedAt);
  // What a checkpoint bills until the provider reports real usage at the end.
  const promptEstimate = typicalPromptTokens(parsed.promptBytes);
  const estimated = (completionTokens: number): TokenUsage => ({ promptTokens: promptEstimate, completionTokens });
  // Without the provider's usage (the caller hung up), the prompt is counted with the tokenizer and
  // the output is what was streamed, a token per chunk and choice as servers stream them.
  const counted = async (completionTokens: number): Promise<TokenUsage> => ({ promptTokens: await countPromptTokens(model, parsed), completionTokens });
  let received = 0;
  let released = 0;
  // Output tokens covered by the last committed checkpoint, and by the one being written.
  let recorded = 0;
  let covering = 0;
  const unreleased: GenerationChunk[] = [];
  let settled = false;

  const settleCancelled = async (usage: TokenUsage, usageCounted: boolean) => {
    settled = true;
    await settle(call.principal.userId, call.requestId, cancelledOutcome(call.controller.signal, billed(call, usage, usageCounted), call.startedAt, ttftMs));
  };
  const endedError = (message: string) => toOpenAIError(new DomainError("upstream_unavailable", message)).body;
  // The chunks that may go now: as many as keep the stream within its unrecorded bound.
  const releasable = () => {
    let count = 0;
    let tokens = released;
    for (const chunk of unreleased) {
      if (tokens > recorded && tokens + chunk.tokens - recorded > UNRECORDED_OUTPUT_TOKENS) break;
      tokens += chunk.tokens;
      count += 1;
    }
    released = tokens;
    return unreleased.splice(0, count);
  };

  try {
    // Reading the provider and checkpointing run side by side with sending: chunks go out as they
    // come while checkpoints record what went, each covering all that went since the one before.
    // Each of the two leaves its outcome in the state below and wakes the loop, which waits on one
    // promise of its own: racing the same pending read and checkpoint again at every turn would
    // pile reactions up on them (one per chunk while a checkpoint is slow), for every open stream.
    // Assigned in the callbacks below too, which TypeScript's narrowing doesn't follow.
    let terminal = null as ProviderEnd | null;
    let reading = false;
    let checkpointing = false;
    let checkpointed = null as CheckpointStep | null;
    let wake: (() => void) | null = null;
    const woken = () => new Promise<void>((resolve) => (wake = resolve));
    const wakeUp = () => {
      const resume = wake;
      wake = null;
      resume?.();
    };
    const take = (step: IteratorResult<GenerationChunk, GenerationStreamEnd>) => {
      if (step.done) terminal = { kind: "end", end: step.value };
      else {
        unreleased.push(step.value);
        received += step.value.tokens;
      }
    };
    const read = (step: IteratorResult<GenerationChunk, GenerationStreamEnd>) => {
      reading = false;
      take(step);
      wakeUp();
    };
    const readFailed = (error: unknown) => {
      reading = false;
      terminal = { kind: "error", error };
      wakeUp();
    };
    const readAhead = () => {
      if (!reading && !terminal && unreleased.length < READ_AHEAD_CHUNKS) {
        reading = true;
        upstream.next().then(read, readFailed);
      }
    };
    const checkpointDone = (step: CheckpointStep) => {
      checkpointed = step;
      wakeUp();
    };
    take(first);
    readAhead();
    while (!terminal) {
      if (checkpointed) {
        const step: CheckpointStep = checkpointed;
        checkpointed = null;
        checkpointing = false;
        if (step.kind === "checkpoint_failed" || step.result === "settled") {
          // Settled meanwhile by another instance (this one lost its lease), never held (a database
          // crash lost its reserve), or the database refuses the checkpoint: nothing more can be
          // delivered on the record. Settling changes nothing in the first two cases, but closes
          // the request in this process.
          call.controller.abort();
          if (step.kind === "checkpoint_failed") console.error(`Could not checkpoint request ${call.requestId}:`, step.error);
          await settleCancelled(estimated(released), false);
          yield endedError("This stream was interrupted by a gateway restart; it was billed for no more than it delivered. Please retry.");
          return;
        }
        recorded = covering;
      }
      const sending = releasable();
      if (!checkpointing && released > recorded) {
        covering = released;
        checkpointing = true;
        checkpointDelivery({
          requestId: call.requestId,
          inputTokens: promptEstimate,
          outputTokens: covering,
          cost: chatCost(model.prices, estimated(covering)),
        }).then(
          (result) => checkpointDone({ kind: "checkpoint", result }),
          (error: unknown) => checkpointDone({ kind: "checkpoint_failed", error }),
        );
      }
      readAhead();
      if (sending.length > 0) {
        for (const chunk of sending) yield body(chunk.choices);
        // More may have come, or a checkpoint ended, while the consumer took these: look again.
        continue;
      }
      if (checkpointed === null && (checkpointing || reading)) await woken();
    }

    const ending: ProviderEnd = terminal;
    if (ending.kind === "error") {
      const { error } = ending;
      if (endedByShutdown(call.controller.signal)) {
        // Ended by our shutdown: the caller pays for what it was sent, and is told why it stopped.
        await settleCancelled(await counted(released), true);
        yield endedError("The server is restarting; this stream was ended early and billed for what it delivered. Please retry for the rest.");
        return;
      }
      if (call.controller.signal.aborted) {
        const reported = error instanceof InferenceAbortedError ? error.usage : null;
        await settleCancelled(reported ?? (await counted(received)), reported === null);
        return;
      }
      // The upstream failed midway: the caller keeps what was generated (all of it is sent, then
      // the error) and pays for that, counted, as for a stream it ended itself; a stream that
      // failed before any output costs nothing. Never retried: the upstream may have done the work.
      settled = true;
      const delivered = received > 0 ? { ...billed(call, await counted(received), true), deliveredBeforeFailing: true } : {};
      await settle(call.principal.userId, call.requestId, { ...failedOutcome(error, call.startedAt), ...delivered, ttftMs });
      for (const chunk of unreleased.splice(0)) yield body(chunk.choices);
      yield toOpenAIError(error).body;
      return;
    }

    const usage = ending.end.usage ?? (await counted(received));
    settled = true;
    const outcome = succeededOutcome(billed(call, usage, ending.end.usage === null), call.startedAt, ttftMs);
    const sending = releasable();
    let cost: bigint;
    if (unreleased.length === 0) {
      // What is left keeps within the bound: the end goes out while the settlement is written.
      cost = await settleWhileAnswering(call.principal, call.requestId, call.reserved, outcome);
    } else {
      try {
        cost = (await settle(call.principal.userId, call.requestId, outcome))?.cost ?? 0n;
      } catch (error) {
        for (const chunk of sending) yield body(chunk.choices);
        yield toOpenAIError(error).body;
        return;
      }
    }
    for (const chunk of [...sending, ...unreleased.splice(0)]) yield body(chunk.choices);
    if (parsed.includeUsage) yield { ...body([]), usage: usageBody(usage, cost) };
  } finally {
    // Reached without settling only when our consumer stopped iterating at a yield.
    if (!settled) {
      call.controller.abort();
      await stopReading(upstream);
      await settleCancelled(await counted(received), true);
    }
  }
}
