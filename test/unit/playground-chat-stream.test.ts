// The playground's reader of a streamed reply (components/playground/chat-stream.ts), fed the
// server-sent events its fetch would get: framed awkwardly, arriving piece by piece, cut short.
import { afterEach, describe, expect, it, vi } from "vitest";
import { ChatRequestError, streamChatReply, type ChatStreamEvent } from "@/components/playground/chat-stream";
import { appendToolCallDelta, finishedToolCalls } from "@/components/playground/tool-calls";
import type { ChatToolCall } from "@/components/code-samples/request-code";

afterEach(() => vi.unstubAllGlobals());

const body = { model: "acme/model", messages: [{ role: "user" as const, content: "Hi" }], stream: true };
const encoder = new TextEncoder();

/** Answers the playground's fetch with this stream, as /api/playground/chat would. */
function answerWith(stream: ReadableStream<Uint8Array>): void {
  vi.stubGlobal("fetch", async () => new Response(stream, { headers: { "content-type": "text/event-stream", "x-request-id": "req_1" } }));
}

function streamOf(text: string, pieceLength: number): ReadableStream<Uint8Array> {
  const bytes = encoder.encode(text);
  return new ReadableStream({
    start(controller) {
      for (let at = 0; at < bytes.length; at += pieceLength) controller.enqueue(bytes.subarray(at, at + pieceLength));
      controller.close();
    },
  });
}

async function all(events: AsyncGenerator<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
  const seen: ChatStreamEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

describe("the playground's chat stream reader", () => {
  it("reads CRLF-framed events split mid-event, skipping comments, up to [DONE]", async () => {
    answerWith(
      streamOf(
        ": keep-alive\r\n\r\n" +
          'data: {"choices":[{"delta":{"role":"assistant","content":""},"finish_reason":null}]}\r\n\r\n' +
          'data: {"choices":[{"delta":{"content":"Hel"},"finish_reason":null}]}\r\n\r\n' +
          'data: {"choices":[{"delta":{"content":"lo ✓"},"finish_reason":"stop"}]}\r\n\r\n' +
          'data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"cost":0.0000042}}\r\n\r\n' +
          "data: [DONE]\r\n\r\n",
        5,
      ),
    );

    expect(await all(streamChatReply(body, new AbortController().signal))).toEqual([
      { type: "request-id", id: "req_1" },
      { type: "delta", text: "Hel" },
      { type: "delta", text: "lo ✓" },
      { type: "finish", reason: "stop" },
      { type: "usage", promptTokens: 9, completionTokens: 2, costUsd: 0.0000042 },
    ]);
  });

  it("hands each token on as it arrives, before the stream has ended", async () => {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    answerWith(
      new ReadableStream({
        start: (c) => {
          controller = c;
        },
      }),
    );
    const events = streamChatReply(body, new AbortController().signal);
    await events.next(); // the request id
    controller.enqueue(encoder.encode('data: {"choices":[{"delta":{"content":"first"},"finish_reason":null}]}\n\n'));

    const first = await Promise.race([events.next(), new Promise((resolve) => setTimeout(() => resolve("still waiting"), 2_000))]);

    expect(first).toEqual({ done: false, value: { type: "delta", text: "first" } });
    controller.enqueue(encoder.encode("data: [DONE]\n\n"));
    controller.close();
    expect(await events.next()).toEqual({ done: true, value: undefined });
  });

  it("reports a stream that ends without [DONE], and an error event, in words", async () => {
    answerWith(streamOf('data: {"choices":[{"delta":{"content":"Hi"},"finish_reason":null}]}\n\n', 64));
    await expect(all(streamChatReply(body, new AbortController().signal))).rejects.toThrow(
      new ChatRequestError({ status: 0, code: null, message: "The reply ended before it was complete." }),
    );

    answerWith(streamOf('data: {"error":{"message":"The inference server failed.","type":"server_error","code":"upstream_error"}}\n\n', 64));
    await expect(all(streamChatReply(body, new AbortController().signal))).rejects.toThrow("The inference server failed.");
  });

  it("puts streamed tool calls together by index: two calls, their arguments in pieces, interleaved", async () => {
    const chunk = (toolCalls: object[]) => `data: ${JSON.stringify({ choices: [{ delta: { tool_calls: toolCalls }, finish_reason: null }] })}\n\n`;
    answerWith(
      streamOf(
        chunk([{ index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } }]) +
          chunk([{ index: 0, function: { arguments: '{"city":' } }]) +
          chunk([{ index: 1, id: "call_b", type: "function", function: { name: "get_time", arguments: '{"zone"' } }]) +
          chunk([{ index: 0, function: { arguments: '"Paris"}' } }]) +
          chunk([{ index: 1, function: { arguments: ':"CET"}' } }]) +
          'data: {"choices":[{"delta":{},"finish_reason":"tool_calls"}]}\n\n' +
          "data: [DONE]\n\n",
        7,
      ),
    );

    let calls: ChatToolCall[] = [];
    for await (const event of streamChatReply(body, new AbortController().signal)) {
      if (event.type === "tool-call-delta") calls = appendToolCallDelta(calls, event.delta);
    }

    expect(finishedToolCalls(calls)).toEqual([
      { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
      { id: "call_b", type: "function", function: { name: "get_time", arguments: '{"zone":"CET"}' } },
    ]);
  });

  it("keeps a later call's pieces apart when they arrive before an earlier call's, and names a call that came without an id", () => {
    let calls: ChatToolCall[] = [];
    calls = appendToolCallDelta(calls, { index: 1, id: null, name: "second", arguments: "{}" });
    calls = appendToolCallDelta(calls, { index: 0, id: "call_x", name: "first", arguments: "{" });
    calls = appendToolCallDelta(calls, { index: 0, id: null, name: null, arguments: "}" });

    expect(finishedToolCalls(calls)).toEqual([
      { id: "call_x", type: "function", function: { name: "first", arguments: "{}" } },
      { id: "call_1", type: "function", function: { name: "second", arguments: "{}" } },
    ]);
  });
});
