// A generation stream (chat or completion) as OpenAI's server-sent events: one `data: {json}` event per chunk, then
// `data: [DONE]` — unless the stream ended with an error event, after which OpenAI sends nothing.
// When the client goes away the body is cancelled, which stops the iteration and so cancels the
// request (see lib/inference/generation.ts).
import { isStreamError, type GenerationStream } from "@/lib/inference/generation";

const encoder = new TextEncoder();
const DONE = "data: [DONE]\n\n";

export const EVENT_STREAM_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  // Tells nginx-style proxies not to buffer the stream.
  "x-accel-buffering": "no",
};

/**
 * Reads the stream as event text, one event per call, then the closing [DONE] where it belongs;
 * null at the end. Text rather than bytes: node:http encodes it as it writes it to the socket,
 * which spares each token of each open stream a buffer of its own (`npm run bench`, open streams).
 */
export function eventStreamReader(events: GenerationStream): () => Promise<string | null> {
  let failed = false;
  let ended = false;
  return async () => {
    if (ended) return null;
    const step = await events.next();
    if (step.done) {
      ended = true;
      return failed ? null : DONE;
    }
    if (isStreamError(step.value)) failed = true;
    return `data: ${JSON.stringify(step.value)}\n\n`;
  };
}

export function eventStreamResponse(events: GenerationStream, headers: Record<string, string> = {}): Response {
  const read = eventStreamReader(events);
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const event = await read();
      if (event === null) controller.close();
      else controller.enqueue(encoder.encode(event));
    },
    async cancel() {
      await events.return?.();
    },
  });
  return new Response(body, { headers: { ...EVENT_STREAM_HEADERS, ...headers } });
}
