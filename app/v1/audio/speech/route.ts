import { createSpeech } from "@/lib/inference/speech";
import { readJsonBody, v1Route } from "@/lib/inference/v1-handler";

// The audio goes out in pieces of this size, as a chunked body like OpenAI's.
const CHUNK_BYTES = 64 * 1024;

export const POST = v1Route(
  async ({ request, principal, options }) => {
    // The audio is complete and its hold covers it: its settlement is being written.
    const { body: speech } = await createSpeech(principal, await readJsonBody(request), options);
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(speech.audio.subarray(offset, offset + CHUNK_BYTES));
        offset += CHUNK_BYTES;
        if (offset >= speech.audio.byteLength) controller.close();
      },
    });
    return new Response(stream, { headers: { "content-type": speech.contentType } });
  },
  { reservesCredit: true },
);
