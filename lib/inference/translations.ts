// Speech in any language to English text, for POST /v1/audio/translations: Whisper's translate
// task, which only upstream Whisper servers have (the local pocketsphinx engine understands US
// English and nothing else). Upload checks, audio bounding and measurement, billing per audio
// minute and the response formats are transcription's (transcriptions.ts: meteredSpeechToText).
import "server-only";
import { z } from "zod";
import { DomainError } from "@/lib/errors";
import type { InferenceOptions, InferencePrincipal, MeteredAnswer } from "@/lib/inference/metering";
import { requireModel } from "@/lib/inference/registry";
import { parseRequest } from "@/lib/inference/request-fields";
import { fieldsOf, meteredSpeechToText, speechToTextFields, type TranscriptionResponse } from "@/lib/inference/transcriptions";

export const TRANSLATIONS_ENDPOINT = "/v1/audio/translations";

// OpenAI's CreateTranslationRequest: no language (the output is English) and no timestamps.
const fieldsSchema = z.strictObject(speechToTextFields);

export async function createTranslation(
  principal: InferencePrincipal,
  form: FormData,
  options: InferenceOptions = {},
): Promise<MeteredAnswer<TranscriptionResponse>> {
  const startedAt = performance.now();
  const fields = parseRequest(fieldsSchema, fieldsOf(form));
  const model = await requireModel(fields.model, "TRANSCRIPTION");
  if (model.provider !== "upstream") {
    throw new DomainError(
      "invalid_request",
      `${model.id} cannot translate: translation needs an upstream Whisper model. GET /v1/models lists the transcription models.`,
      {
        param: "model",
      },
    );
  }
  return meteredSpeechToText(
    principal,
    {
      task: "translate",
      endpoint: TRANSLATIONS_ENDPOINT,
      model,
      form,
      format: fields.response_format,
      prompt: fields.prompt,
      temperature: fields.temperature,
      wantWords: false,
    },
    options,
    startedAt,
  );
}
