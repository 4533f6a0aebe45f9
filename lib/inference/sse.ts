// A generation stream (chat or completion) as OpenAI's server-sent events: one `data: {json}` event per chunk, then
// `data: [DONE]` — unless the stream ended with an error event, after which OpenAI sends nothing.
// When the client goes away the body is cancelled, which stops the iteration and so cancels the
// request (see lib/inference/generation.ts).
import { isStreamError, type GenerationStream } from "@/lib/inference/generation";

const encoder = new TextEncoder();
const DONE = encoder.encode("data: [DONE]\n\n");

export function eventStreamResponse(events: GenerationStream, headers: Record<string, string> = {}): Response {
  let failed = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const step = await events.next();
      if (step.done) {
        if (!failed) controller.enqueue(DONE);
        controller.close();
        return;
      }
      if (isStreamError(step.value)) failed = true;
      controller.enqueue(encoder.encode(`data: ${JSON.stringify(step.value)}\n\n`));
    },
    async cancel() {
      await events.return?.();
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      // Tells nginx-style proxies not to buffer the stream.
      "x-accel-buffering": "no",
      ...headers,
    },
  });
}
