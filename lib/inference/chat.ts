// Chat completions, the gateway's core: validate, price, reserve, call the provider, settle, and
// answer in OpenAI's shapes. POST /v1/chat/completions and the console's playground both call
// createChatCompletion, so a playground message is billed, logged and limited like a curl call.
//
// A stream is only returned once the provider produced its first token (or finished), so that a
// provider that fails up front still gets a proper error status instead of a 200 stream. After
// that, a provider failure ends the stream with an OpenAI error event and costs nothing; a caller
// who hangs up (options.signal aborts, or the stream's consumer stops iterating) aborts the
// provider call and pays for the prompt and the tokens generated so far.
//
// Nothing reaches the caller before it is recorded: a plain answer is settled before it is
// returned, and a stream's tokens are released only once a checkpoint covering them has committed
// (lib/inference/checkpoints.ts) — the last ones once the request has settled. If the process
// dies, the request is billed from its last checkpoint: what was delivered.
import { randomUUID } from "node:crypto";
import { nanosToUsdNumber } from "@/lib/credits/money";
import { DomainError } from "@/lib/errors";
import { parseChatCompletionRequest, type ChatCompletionRequest } from "@/lib/inference/chat-request";
import {
  cancelledOutcome,
  elapsedMs,
  failedOutcome,
  openRequest,
  settle,
  settleUndelivered,
  type InferenceOptions,
  type InferencePrincipal,
} from "@/lib/inference/metering";
import type { RequestOutcome } from "@/lib/credits/reservations";
import { checkpointDelivery, type CheckpointResult } from "@/lib/inference/checkpoints";
import { endedByShutdown } from "@/lib/inference/gateway-instance";
import { toOpenAIError, type OpenAIErrorBody } from "@/lib/inference/openai-errors";
import { chatCost } from "@/lib/inference/pricing";
import { providerFor } from "@/lib/inference/providers";
import { InferenceAbortedError, type ChatStreamEnd, type FinishReason, type InferenceProvider, type TokenUsage } from "@/lib/inference/providers/types";
import { requireModel, type RegisteredModel } from "@/lib/inference/registry";

export const CHAT_ENDPOINT = "/v1/chat/completions";
/** Output cap for a model whose context length is unknown, when the request names none. */
const DEFAULT_MAX_OUTPUT_TOKENS = 4_096;

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Dollars charged for the request (an EcoLink extension of OpenAI's usage object). */
  cost: number;
}

export interface ChatCompletionResponse {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: [{ index: 0; message: { role: "assistant"; content: string; refusal: null }; logprobs: null; finish_reason: FinishReason }];
  usage: ChatUsage;
}

export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: { index: 0; delta: { role?: "assistant"; content?: string }; logprobs: null; finish_reason: FinishReason | null }[];
  usage?: ChatUsage | null;
}

/** What a chat stream yields: chunks, possibly ended by one error event (then no [DONE]). */
export type ChatStreamEvent = ChatCompletionChunk | OpenAIErrorBody;

/** A stream of events; stopping the iteration early (return()) cancels the request. */
export type ChatCompletionStream = AsyncIterableIterator<ChatStreamEvent>;

export type ChatCompletionResult =
  | { requestId: string; stream: false; response: ChatCompletionResponse }
  | { requestId: string; stream: true; events: ChatCompletionStream };

export function isStreamError(event: ChatStreamEvent): event is OpenAIErrorBody {
  return "error" in event;
}

function usageBody(usage: TokenUsage, cost: bigint): ChatUsage {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
    cost: nanosToUsdNumber(cost),
  };
}

interface Call {
  principal: InferencePrincipal;
  request: ChatCompletionRequest;
  model: RegisteredModel;
  provider: InferenceProvider;
  requestId: string;
  completionId: string;
  created: number;
  startedAt: number;
  controller: AbortController;
  /** Nano-dollars held for the request: the most it can be charged. */
  reserved: bigint;
}

function outputCap(request: ChatCompletionRequest, model: RegisteredModel, body: unknown): number {
  const asked = request.params.maxTokens;
  const context = model.contextLength;
  if (asked !== null && context !== null && asked > context) {
    const param = (body as { max_completion_tokens?: unknown }).max_completion_tokens != null ? "max_completion_tokens" : "max_tokens";
    throw new DomainError("invalid_request", `${param} is too large: ${asked}. ${model.id} supports at most ${context} tokens (prompt and completion together).`, { param });
  }
  return asked ?? context ?? DEFAULT_MAX_OUTPUT_TOKENS;
}

export async function createChatCompletion(principal: InferencePrincipal, body: unknown, options: InferenceOptions = {}): Promise<ChatCompletionResult> {
  const startedAt = performance.now();
  const request = parseChatCompletionRequest(body);
  const model = await requireModel(request.model, "CHAT");
  const provider = providerFor(model);
  const maxOutput = outputCap(request, model, body);
  if (request.params.maxTokens === null && model.contextLength === null) request.params.maxTokens = maxOutput;

  const reservedUsage = { promptTokens: provider.countPromptTokens(model, request.params.messages, "reserve"), completionTokens: maxOutput };
  const reserved = chatCost(model.prices, reservedUsage);
  const { requestId, controller } = await openRequest(principal, model.id, CHAT_ENDPOINT, reserved, options);

  const call: Call = {
    principal,
    request,
    model,
    provider,
    requestId,
    completionId: `chatcmpl-${randomUUID().replace(/-/g, "")}`,
    created: Math.floor(Date.now() / 1000),
    startedAt,
    controller,
    reserved,
  };
  return request.stream ? startStream(call) : complete(call);
}

/** Usage to bill when the provider could not report it: counted deltas and an estimated prompt. */
function estimatedUsage(call: Call, deltas: number): TokenUsage {
  return { promptTokens: call.provider.countPromptTokens(call.model, call.request.params.messages, "estimate"), completionTokens: deltas };
}

/**
 * Settles a request whose whole answer is ready, before it is delivered, and returns what it is
 * charged: the usage's price capped at the hold, as settleRequest debits it. `ttftMs` is null for
 * an answer sent in one piece.
 */
async function settleSucceeded(call: Call, usage: TokenUsage, ttftMs: number | null): Promise<bigint> {
  const price = chatCost(call.model.prices, usage);
  const cost = price < call.reserved ? price : call.reserved;
  const latencyMs = elapsedMs(call.startedAt);
  const outcome: RequestOutcome = {
    status: "SUCCEEDED",
    cost,
    inputTokens: usage.promptTokens,
    outputTokens: usage.completionTokens,
    latencyMs,
    ttftMs: ttftMs ?? latencyMs,
    httpStatus: 200,
  };
  await settle(call.principal.userId, call.requestId, outcome);
  return cost;
}

function settleFailure(call: Call, error: unknown): Promise<void> {
  return settleUndelivered(call.principal.userId, call.requestId, error, call.controller.signal, call.startedAt);
}

async function complete(call: Call): Promise<ChatCompletionResult> {
  const { model, request } = call;
  let output;
  try {
    output = await call.provider.completeChat(model, request.params, call.controller.signal);
  } catch (error) {
    // A caller who left before the answer was complete received nothing and pays nothing.
    await settleFailure(call, error);
    throw error;
  }
  const usage = output.usage ?? estimatedUsage(call, Math.ceil(output.text.length / 4));
  const cost = await settleSucceeded(call, usage, null);
  return {
    requestId: call.requestId,
    stream: false,
    response: {
      id: call.completionId,
      object: "chat.completion",
      created: call.created,
      model: model.id,
      choices: [{ index: 0, message: { role: "assistant", content: output.text, refusal: null }, logprobs: null, finish_reason: output.finishReason }],
      usage: usageBody(usage, cost),
    },
  };
}

async function startStream(call: Call): Promise<ChatCompletionResult> {
  const upstream = call.provider.streamChat(call.model, call.request.params, call.controller.signal);
  let first: IteratorResult<string, ChatStreamEnd>;
  try {
    first = await upstream.next();
  } catch (error) {
    await settleFailure(call, error);
    throw error;
  }
  const events = streamEvents(call, upstream, first);
  // Stopping early must abort the provider at once, even while it is waiting for a token.
  const iterator: ChatCompletionStream = {
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

/** Tokens read from the provider ahead of the checkpoint that releases them, at most. */
const READ_AHEAD_TOKENS = 64;

type ProviderStep = { kind: "token"; text: string } | { kind: "end"; end: ChatStreamEnd } | { kind: "error"; error: unknown };
type CheckpointStep = { kind: "checkpoint"; result: CheckpointResult } | { kind: "checkpoint_failed"; error: unknown };

function providerStep(step: IteratorResult<string, ChatStreamEnd>): ProviderStep {
  return step.done ? { kind: "end", end: step.value } : { kind: "token", text: step.value };
}

async function* streamEvents(
  call: Call,
  upstream: AsyncGenerator<string, ChatStreamEnd, undefined>,
  first: IteratorResult<string, ChatStreamEnd>,
): AsyncGenerator<ChatStreamEvent, void, undefined> {
  const { model, request } = call;
  const withUsageField = request.includeUsage ? { usage: null } : {};
  const chunk = (delta: ChatCompletionChunk["choices"][number]["delta"], finishReason: FinishReason | null): ChatCompletionChunk => ({
    id: call.completionId,
    object: "chat.completion.chunk",
    created: call.created,
    model: model.id,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...withUsageField,
  });
  const ttftMs = first.done ? null : elapsedMs(call.startedAt);
  // What a checkpoint bills until the provider reports real usage at the end.
  const promptEstimate = call.provider.countPromptTokens(model, request.params.messages, "estimate");
  const usageOf = (completionTokens: number): TokenUsage => ({ promptTokens: promptEstimate, completionTokens });
  let received = 0;
  let released = 0;
  const unreleased: string[] = [];
  let settled = false;

  const settleCancelled = async (usage: TokenUsage) => {
    settled = true;
    await settle(call.principal.userId, call.requestId, {
      ...cancelledOutcome(call.controller.signal),
      cost: chatCost(model.prices, usage),
      inputTokens: usage.promptTokens,
      outputTokens: usage.completionTokens,
      latencyMs: elapsedMs(call.startedAt),
      ttftMs,
    });
  };
  const endedError = (message: string) => toOpenAIError(new DomainError("upstream_unavailable", message)).body;

  try {
    yield chunk({ role: "assistant", content: "" }, null);
    // Reading the provider and checkpointing run side by side: tokens that arrive while a
    // checkpoint is being written wait for the next one, which covers them all.
    // Assigned in the closures below too, which TypeScript's narrowing doesn't follow.
    let terminal = null as Exclude<ProviderStep, { kind: "token" }> | null;
    let reading = null as Promise<ProviderStep> | null;
    let checkpointing: Promise<CheckpointStep> | null = null;
    let covering = 0;
    const take = (step: ProviderStep) => {
      if (step.kind !== "token") terminal = step;
      else {
        unreleased.push(step.text);
        received += 1;
      }
    };
    const readAhead = () => {
      if (!reading && !terminal && unreleased.length < READ_AHEAD_TOKENS) {
        reading = upstream.next().then(providerStep, (error: unknown): ProviderStep => ({ kind: "error", error }));
      }
    };
    take(providerStep(first));
    readAhead();
    while (!terminal) {
      if (!checkpointing && unreleased.length > 0) {
        covering = received;
        checkpointing = checkpointDelivery({ requestId: call.requestId, inputTokens: promptEstimate, outputTokens: covering, cost: chatCost(model.prices, usageOf(covering)) }).then(
          (result): CheckpointStep => ({ kind: "checkpoint", result }),
          (error: unknown): CheckpointStep => ({ kind: "checkpoint_failed", error }),
        );
      }
      const step: ProviderStep | CheckpointStep = await Promise.race([reading, checkpointing].filter((p) => p !== null));
      if (step.kind === "token" || step.kind === "end" || step.kind === "error") {
        reading = null;
        take(step);
        readAhead();
        continue;
      }
      checkpointing = null;
      if (step.kind === "checkpoint_failed" || step.result === "settled") {
        // Settled meanwhile by another instance (this one lost its lease), or the database refuses
        // the checkpoint: nothing more can be delivered on the record.
        call.controller.abort();
        if (step.kind === "checkpoint_failed") {
          console.error(`Could not checkpoint request ${call.requestId}:`, step.error);
          await settleCancelled(usageOf(released));
        } else settled = true;
        yield endedError("This stream was interrupted by a gateway restart; it was billed for what it delivered. Please retry.");
        return;
      }
      for (const text of unreleased.splice(0, covering - released)) yield chunk({ content: text }, null);
      released = covering;
      readAhead();
    }

    const ending: Exclude<ProviderStep, { kind: "token" }> = terminal;
    if (ending.kind === "error") {
      const { error } = ending;
      if (endedByShutdown(call.controller.signal)) {
        // Ended by our shutdown: the caller pays for what it was sent, and is told why it stopped.
        await settleCancelled(usageOf(released));
        yield endedError("The server is restarting; this stream was ended early and billed for what it delivered. Please retry for the rest.");
        return;
      }
      if (call.controller.signal.aborted) {
        await settleCancelled(error instanceof InferenceAbortedError && error.usage ? error.usage : usageOf(received));
        return;
      }
      settled = true;
      await settle(call.principal.userId, call.requestId, failedOutcome(error, elapsedMs(call.startedAt)));
      // A failed request costs nothing, so what the provider sent before failing is free to send.
      for (const text of unreleased.splice(0)) yield chunk({ content: text }, null);
      yield toOpenAIError(error).body;
      return;
    }

    const usage = ending.end.usage ?? usageOf(received);
    settled = true;
    let cost: bigint;
    try {
      cost = await settleSucceeded(call, usage, ttftMs);
    } catch (error) {
      yield toOpenAIError(error).body;
      return;
    }
    for (const text of unreleased.splice(0)) yield chunk({ content: text }, null);
    yield chunk({}, ending.end.finishReason);
    if (request.includeUsage) yield { ...chunk({}, null), choices: [], usage: usageBody(usage, cost) };
  } finally {
    // Reached without settling only when our consumer stopped iterating at a yield.
    if (!settled) {
      call.controller.abort();
      await upstream.return(undefined as never).catch(() => undefined);
      await settleCancelled(usageOf(received));
    }
  }
}
