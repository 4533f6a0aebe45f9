import { createTranscription, MAX_AUDIO_FORM_BYTES, speechToTextResponse } from "@/lib/inference/transcriptions";
import { readMultipartBody, v1Route } from "@/lib/inference/v1-handler";

export const POST = v1Route(
  async ({ request, principal, options }) => {
    const { body: response } = await createTranscription(principal, await readMultipartBody(request, MAX_AUDIO_FORM_BYTES), options);
    return speechToTextResponse(response);
  },
  { reservesCredit: true },
);
