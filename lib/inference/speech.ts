// Text to speech, for POST /v1/audio/speech and the playground: validate OpenAI's
// CreateSpeechRequest, hold the price of its characters, synthesize, settle, and only then hand
// the audio over (nothing reaches a client before it is recorded). Upstreams (Kokoro-FastAPI &
// co.) get the client's body with the model renamed: the voice as sent, `instructions` and vendor
// fields included. Billed per input character (Unicode code point), so the hold is the charge.
import "server-only";
import { z } from "zod";
import { meteredCall, type InferenceOptions, type InferencePrincipal, type MeteredAnswer } from "@/lib/inference/metering";
import { characterCost } from "@/lib/inference/pricing";
import { providerFor } from "@/lib/inference/providers";
import { MAX_SPEECH_INPUT_CHARACTERS, MAX_SPEECH_SPEED, MIN_SPEECH_SPEED, SPEECH_FORMATS, type SpeechFormat } from "@/lib/inference/providers/local/speech/synthesize";
import { onlyOff, parseRequest } from "@/lib/inference/request-fields";
import { requireModel } from "@/lib/inference/registry";

export const SPEECH_ENDPOINT = "/v1/audio/speech";

/** What each response_format is sent as. */
export const SPEECH_CONTENT_TYPES: Record<SpeechFormat, string> = {
  mp3: "audio/mpeg",
  opus: "audio/ogg; codecs=opus",
  aac: "audio/aac",
  flac: "audio/flac",
  wav: "audio/wav",
  pcm: "audio/pcm",
};

const voiceName = z.string().min(1).max(256);

// The policy of chat-request.ts: types and sizes are checked, unknown fields pass to upstreams.
const speechRequestSchema = z.looseObject({
  model: z.string().min(1).max(256),
  input: z.string().min(1).max(MAX_SPEECH_INPUT_CHARACTERS),
  voice: z.union([voiceName, z.looseObject({ id: voiceName })], {
    error: (issue) => (issue.input === undefined ? undefined : 'expected a voice name such as "alloy", or {"id": …}'),
  }),
  instructions: z.string().max(4096).nullish(),
  response_format: z.enum(SPEECH_FORMATS).nullish(),
  speed: z.number().min(MIN_SPEECH_SPEED).max(MAX_SPEECH_SPEED).nullish(),
  stream_format: onlyOff((v) => v === "audio", 'only "audio" is supported (the audio file\'s bytes, not server-sent events)'),
});

export interface SpeechAudio {
  audio: Uint8Array;
  format: SpeechFormat;
  contentType: string;
}

export async function createSpeech(principal: InferencePrincipal, input: unknown, options: InferenceOptions = {}): Promise<MeteredAnswer<SpeechAudio>> {
  const startedAt = performance.now();
  const body = parseRequest(speechRequestSchema, input);
  const model = await requireModel(body.model, "SPEECH");
  const format = body.response_format ?? "mp3";
  const characters = [...body.input].length;

  const cost = characterCost(model.prices, characters);
  return meteredCall({ principal, modelId: model.id, endpoint: SPEECH_ENDPOINT, hold: cost, options, startedAt }, async ({ signal }) => {
    const audio = await providerFor(model).synthesizeSpeech(model, { body, input: body.input, format, speed: body.speed ?? 1 }, signal);
    return {
      usage: { cost, inputCharacters: characters },
      answer: () => ({ audio, format, contentType: SPEECH_CONTENT_TYPES[format] }),
    };
  });
}
