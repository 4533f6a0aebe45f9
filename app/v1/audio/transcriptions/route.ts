import { createTranscription, MAX_AUDIO_BYTES } from "@/lib/inference/transcriptions";
import { readMultipartBody, v1Route } from "@/lib/inference/v1-handler";

// The audio plus the other form fields and the multipart framing.
const MAX_FORM_BYTES = MAX_AUDIO_BYTES + 1024 * 1024;

export const POST = v1Route(async ({ request, principal, options }) => {
  const { body: response } = await createTranscription(principal, await readMultipartBody(request, MAX_FORM_BYTES), options);
  if (response.format === "json" || response.format === "verbose_json") return Response.json(response.body);
  return new Response(response.text, { headers: { "content-type": "text/plain; charset=utf-8" } });
}, { reservesCredit: true });
