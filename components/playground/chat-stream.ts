// Reads the playground's streamed chat reply in the browser. POST /api/playground/chat answers
// exactly like POST /v1/chat/completions with stream=true: server-sent events whose data lines
// are chat.completion.chunk objects, a final chunk carrying usage (with `cost` in dollars), then
// [DONE]; a failure before the stream starts is an OpenAI error body with its status code.
// Tool calls arrive as the upstream server streamed them: pieces keyed by their index (see
// tool-calls.ts, which puts them together).
import type { EventSourceMessage } from "eventsource-parser";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { z } from "zod";
import type { ChatRequestBody } from "@/components/code-samples/request-code";
import { networkError, type RequestError } from "./request-error";
import type { ToolCallDelta } from "./tool-calls";

const errorBodySchema = z.object({
  error: z.object({ message: z.string(), code: z.string().nullish(), type: z.string().nullish() }),
});

const chunkSchema = z.object({
  id: z.string().optional(),
  choices: z
    .array(
      z.object({
        delta: z
          .object({
            content: z.string().nullish(),
            tool_calls: z
              .array(
                z.object({
                  index: z.number().int().min(0),
                  id: z.string().nullish(),
                  function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
                }),
              )
              .nullish(),
          })
          .partial()
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .default([]),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number(), cost: z.number().nullish() }).nullish(),
});

export type ChatStreamEvent =
  | { type: "delta"; text: string }
  | { type: "tool-call-delta"; delta: ToolCallDelta }
  | { type: "finish"; reason: string }
  | { type: "usage"; promptTokens: number; completionTokens: number; costUsd: number | null }
  | { type: "request-id"; id: string };

/** Thrown by streamChatReply when the API refused or broke off the request. */
export class ChatRequestError extends Error {
  constructor(readonly error: RequestError) {
    super(error.message);
    this.name = "ChatRequestError";
  }
}

async function errorFromResponse(response: Response): Promise<RequestError> {
  const retryAfter = Number(response.headers.get("retry-after"));
  const parsed = errorBodySchema.safeParse(await response.json().catch(() => null));
  return {
    status: response.status,
    code: parsed.success ? (parsed.data.error.code ?? null) : null,
    message: parsed.success ? parsed.data.error.message : `The server answered ${response.status} ${response.statusText}.`,
    ...(retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
  };
}

/** The events of one streamed reply. Aborting `signal` stops it (and the generation on the server). */
export async function* streamChatReply(body: ChatRequestBody, signal: AbortSignal): AsyncGenerator<ChatStreamEvent> {
  let response: Response;
  try {
    response = await fetch("/api/playground/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new ChatRequestError(networkError());
  }
  if (!response.ok || !response.body) throw new ChatRequestError(await errorFromResponse(response));

  const requestId = response.headers.get("x-request-id");
  if (requestId) yield { type: "request-id", id: requestId };

  const reader = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
  try {
    for (;;) {
      let read: ReadableStreamReadResult<EventSourceMessage>;
      try {
        read = await reader.read();
      } catch (error) {
        if (signal.aborted) throw error;
        throw new ChatRequestError(networkError("The connection dropped before the reply finished."));
      }
      if (read.done) break;
      const { data } = read.value;
      if (data === "[DONE]") return;
      const json: unknown = JSON.parse(data);
      const failure = errorBodySchema.safeParse(json);
      if (failure.success) {
        throw new ChatRequestError({ status: 500, code: failure.data.error.code ?? null, message: failure.data.error.message });
      }
      const chunk = chunkSchema.parse(json);
      for (const choice of chunk.choices) {
        if (choice.delta?.content) yield { type: "delta", text: choice.delta.content };
        for (const call of choice.delta?.tool_calls ?? []) {
          yield {
            type: "tool-call-delta",
            delta: { index: call.index, id: call.id ?? null, name: call.function?.name ?? null, arguments: call.function?.arguments ?? null },
          };
        }
        if (choice.finish_reason) yield { type: "finish", reason: choice.finish_reason };
      }
      if (chunk.usage) {
        yield { type: "usage", promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens, costUsd: chunk.usage.cost ?? null };
      }
    }
  } finally {
    reader.releaseLock();
  }
  throw new ChatRequestError(networkError("The reply ended before it was complete."));
}
