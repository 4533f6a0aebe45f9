// Speech to text, for POST /v1/audio/transcriptions and the playground: validate the upload, bound
// its length from its header or size, reserve that, then measure the audio (decoding no more than
// the bound), transcribe, settle, and answer in the format asked for. Audio is billed by its
// measured length; nothing is decoded before the credit is held. POST /v1/audio/translations
// (translations.ts) is the same sequence with Whisper's translate task: meteredSpeechToText.
import { z } from "zod";
import { DomainError } from "@/lib/errors";
import { nanosToUsdNumber } from "@/lib/credits/money";
import { meteredCall, type InferenceOptions, type InferencePrincipal, type MeteredAnswer } from "@/lib/inference/metering";
import { audioCost } from "@/lib/inference/pricing";
import { providerFor } from "@/lib/inference/providers";
import { declaredAudioSeconds, measureAudioSeconds } from "@/lib/inference/audio/duration";
import { toSrt, toVtt } from "@/lib/inference/audio/subtitles";
import type { Transcript, TranscriptionTask, TranscriptSegment } from "@/lib/inference/providers/types";
import { noValueAccepted, onlyOff, parseRequest } from "@/lib/inference/request-fields";
import { requireModel, type RegisteredModel } from "@/lib/inference/registry";

export const TRANSCRIPTIONS_ENDPOINT = "/v1/audio/transcriptions";
export const MAX_AUDIO_BYTES = 25 * 1024 * 1024;
/** A speech-to-text request body: the audio plus the other form fields and the multipart framing. */
export const MAX_AUDIO_FORM_BYTES = MAX_AUDIO_BYTES + 1024 * 1024;
/** The longest audio one request may hold; longer is refused before any decoding. */
export const MAX_AUDIO_SECONDS = 2 * 60 * 60;
/** Without a declared duration, a file is bounded by its size at this bitrate, below any speech codec's. */
const MIN_AUDIO_BYTES_PER_SECOND = 500;
/** Headers estimated from a bitrate (mp3 without a Xing header) may be a little short. */
const DECLARED_DURATION_MARGIN = 1.1;
const DECLARED_DURATION_SLACK_SECONDS = 2;
/** OpenAI's list, in OpenAI's order. */
export const AUDIO_EXTENSIONS = ["flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm"] as const;

const numberField = z
  .string()
  .trim()
  .regex(/^-?\d+(\.\d+)?$/, "expected a number")
  .transform(Number);

/** The form fields both speech-to-text endpoints take (form fields arrive as strings). */
export const speechToTextFields = {
  model: z.string().min(1),
  prompt: z.string().max(10_000).optional(),
  response_format: z.enum(["json", "text", "srt", "verbose_json", "vtt"]).default("json"),
  temperature: numberField.pipe(z.number().min(0).max(1)).optional(),
};

// chunking_strategy is a hint our models cannot follow and is accepted and ignored; temperature
// reaches upstreams (the local engine has none); the rest of the policy is the one in
// chat-request.ts.
const fieldsSchema = z.strictObject({
  ...speechToTextFields,
  language: z
    .string()
    .regex(/^[a-z]{2,3}$/, 'expected an ISO-639-1 language code such as "en"')
    .optional(),
  "timestamp_granularities[]": z.array(z.enum(["word", "segment"])).optional(),
  chunking_strategy: z.string().optional(),
  stream: onlyOff((v) => v === "false", "streaming transcriptions are not supported"),
  "include[]": onlyOff(noValueAccepted, "log probabilities are not supported"),
});

export type TranscriptionFormat = z.infer<typeof fieldsSchema>["response_format"];

interface DurationUsage {
  type: "duration";
  seconds: number;
  /** Dollars charged (an EcoLink extension of OpenAI's usage object). */
  cost: number;
}

export type TranscriptionResponse =
  | { format: "json"; body: { text: string; usage: DurationUsage } }
  | { format: "verbose_json"; body: VerboseTranscription }
  | { format: "text" | "srt" | "vtt"; text: string };

export interface VerboseTranscription {
  task: TranscriptionTask;
  language: string;
  duration: number;
  text: string;
  segments: {
    id: number;
    seek: number;
    start: number;
    end: number;
    text: string;
    tokens: number[];
    temperature: number;
    avg_logprob: number;
    compression_ratio: number;
    no_speech_prob: number;
  }[];
  words?: { word: string; start: number; end: number }[];
  usage: DurationUsage;
}

/** The form's fields as an object; `name[]` fields (sent once per value) become arrays. */
export function fieldsOf(form: FormData): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = {};
  for (const [name, value] of form.entries()) {
    if (name === "file") continue;
    if (typeof value !== "string") throw new DomainError("invalid_request", `'${name}' must be a text field, not a file.`, { param: name });
    if (name.endsWith("[]")) fields[name] = [...((fields[name] as string[] | undefined) ?? []), value];
    else fields[name] = value;
  }
  return fields;
}

async function audioOf(form: FormData): Promise<{ audio: Uint8Array; filename: string }> {
  const files = form.getAll("file");
  const file = files[0];
  if (!file) throw new DomainError("invalid_request", "Missing required parameter: 'file'.", { param: "file" });
  if (typeof file === "string" || files.length > 1) throw new DomainError("invalid_request", "'file' must be one uploaded audio file.", { param: "file" });
  if (file.size > MAX_AUDIO_BYTES)
    throw new DomainError("payload_too_large", `The audio file is larger than ${MAX_AUDIO_BYTES / (1024 * 1024)} MB.`, { param: "file" });
  const extension = file.name.toLowerCase().split(".").pop() ?? "";
  if (!(AUDIO_EXTENSIONS as readonly string[]).includes(extension)) {
    throw new DomainError("invalid_request", `Invalid file format. Supported formats: ${AUDIO_EXTENSIONS.map((e) => `'${e}'`).join(", ")}`, { param: "file" });
  }
  return { audio: new Uint8Array(await file.arrayBuffer()), filename: file.name };
}

function undecodable(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  return new DomainError("invalid_request", "The audio file could not be decoded. Please check that it is a valid audio file in the format its name says.", {
    param: "file",
  });
}

/**
 * The most seconds of audio the request can be billed, from cheap facts only — the duration its
 * header declares (with a margin), else what a file of its size can hold — so that credit is held
 * before any decoding. Absurd durations are refused here.
 */
async function audioSecondsBound(audio: Uint8Array, filename: string): Promise<number> {
  const declared = await declaredAudioSeconds(audio, filename).catch((error: unknown) => {
    throw undecodable(error);
  });
  if (declared !== null && declared > MAX_AUDIO_SECONDS) {
    throw new DomainError(
      "invalid_request",
      `The audio is ${Math.round(declared / 60)} minutes long; one request can transcribe at most ${MAX_AUDIO_SECONDS / 60} ` +
        `minutes. Split it into shorter files.`,
      { param: "file" },
    );
  }
  const bound = declared === null ? audio.byteLength / MIN_AUDIO_BYTES_PER_SECOND : declared * DECLARED_DURATION_MARGIN + DECLARED_DURATION_SLACK_SECONDS;
  return Math.round(Math.min(bound, MAX_AUDIO_SECONDS) * 1000) / 1000;
}

/** Decodes at most `bound` seconds, for audio an upstream transcribes. */
async function measure(audio: Uint8Array, filename: string, bound: number, signal: AbortSignal): Promise<number> {
  try {
    return await measureAudioSeconds(audio, filename, { maxSeconds: bound, signal });
  } catch (error) {
    throw undecodable(error);
  }
}

/** The decoded length to bill; a file holding more than its bound said is refused. */
function billableSeconds(seconds: number, bound: number): number {
  if (!(seconds > 0)) throw new DomainError("invalid_request", "The audio file contains no audio.", { param: "file" });
  if (seconds >= bound - 0.01) {
    throw new DomainError(
      "invalid_request",
      "The file holds more audio than its header declares (or, with no duration in its header, than a file of its size " +
        "should). Re-encode it, e.g. with `ffmpeg -i input.webm output.ogg`, and try again.",
      { param: "file" },
    );
  }
  return Math.round(seconds * 1000) / 1000;
}

/** Segments as OpenAI's verbose_json has them. Fields our engines do not report get neutral values. */
function verboseSegments(segments: TranscriptSegment[]): VerboseTranscription["segments"] {
  return segments.map((s) => ({
    id: s.id,
    // Whisper's seek is the window's offset in 10 ms frames.
    seek: Math.floor(s.start * 100),
    start: s.start,
    end: s.end,
    text: s.text,
    tokens: [],
    temperature: 0,
    avg_logprob: 0,
    compression_ratio: 0,
    no_speech_prob: 0,
  }));
}

function respond(
  task: TranscriptionTask,
  format: TranscriptionFormat,
  transcript: Transcript,
  usage: DurationUsage,
  wantWords: boolean,
): TranscriptionResponse {
  // A backend that gives no segments still yields subtitles: one cue for the whole audio.
  const segments = transcript.segments.length ? transcript.segments : [{ id: 0, start: 0, end: usage.seconds, text: transcript.text }];
  switch (format) {
    case "json":
      return { format, body: { text: transcript.text, usage } };
    case "text":
      return { format, text: `${transcript.text}\n` };
    case "srt":
      return { format, text: toSrt(segments) };
    case "vtt":
      return { format, text: toVtt(segments) };
    case "verbose_json":
      return {
        format,
        body: {
          task,
          language: transcript.language,
          duration: usage.seconds,
          text: transcript.text,
          segments: verboseSegments(segments),
          ...(wantWords && { words: transcript.words }),
          usage,
        },
      };
  }
}

/** The HTTP answer of both speech-to-text endpoints: JSON, or the text formats as plain text. */
export function speechToTextResponse(response: TranscriptionResponse): Response {
  if (response.format === "json" || response.format === "verbose_json") return Response.json(response.body);
  return new Response(response.text, { headers: { "content-type": "text/plain; charset=utf-8" } });
}

/** A speech-to-text request whose fields and model its endpoint has checked. */
export interface SpeechToTextRequest {
  task: TranscriptionTask;
  endpoint: string;
  model: RegisteredModel;
  form: FormData;
  format: TranscriptionFormat;
  language?: string;
  prompt?: string;
  temperature?: number;
  /** verbose_json lists the words (timestamp_granularities[] includes "word"). */
  wantWords: boolean;
}

/** The sequence both speech-to-text endpoints follow once their fields and model are checked. */
export async function meteredSpeechToText(
  principal: InferencePrincipal,
  request: SpeechToTextRequest,
  options: InferenceOptions,
  startedAt: number,
): Promise<MeteredAnswer<TranscriptionResponse>> {
  const { model, task } = request;
  const { audio, filename } = await audioOf(request.form);
  const bound = await audioSecondsBound(audio, filename);
  const hold = audioCost(model.prices, bound);
  return meteredCall({ principal, modelId: model.id, endpoint: request.endpoint, hold, options, startedAt }, async ({ signal }) => {
    // The local engine decodes the audio anyway and reports its exact length; audio for an
    // upstream is measured here.
    const measured = model.provider === "local" ? null : await measure(audio, filename, bound, signal);
    const params = { task, audio, filename, language: request.language, prompt: request.prompt, temperature: request.temperature, maxSeconds: bound };
    const transcript = await providerFor(model).transcribe(model, params, signal);
    const seconds = billableSeconds(measured ?? transcript.durationSeconds, bound);
    return {
      usage: { cost: audioCost(model.prices, seconds), audioSeconds: seconds },
      answer: (charged) => respond(task, request.format, transcript, { type: "duration", seconds, cost: nanosToUsdNumber(charged) }, request.wantWords),
    };
  });
}

export async function createTranscription(
  principal: InferencePrincipal,
  form: FormData,
  options: InferenceOptions = {},
): Promise<MeteredAnswer<TranscriptionResponse>> {
  const startedAt = performance.now();
  const fields = parseRequest(fieldsSchema, fieldsOf(form));
  const model = await requireModel(fields.model, "TRANSCRIPTION");
  const request: SpeechToTextRequest = {
    task: "transcribe",
    endpoint: TRANSCRIPTIONS_ENDPOINT,
    model,
    form,
    format: fields.response_format,
    language: fields.language,
    prompt: fields.prompt,
    temperature: fields.temperature,
    wantWords: fields["timestamp_granularities[]"]?.includes("word") ?? false,
  };
  return meteredSpeechToText(principal, request, options, startedAt);
}
