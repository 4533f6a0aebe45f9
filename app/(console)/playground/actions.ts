"use server";

// The playground's server actions. Each checks the session, validates its input with Zod and
// calls the same gateway core as the /v1 routes with a PLAYGROUND principal, so the request is
// priced, limited, reserved, logged and settled exactly like an API call. Streamed chat is the
// exception: it needs cancellation, which actions lack (see app/api/playground/chat/route.ts).
import { z } from "zod";
import { requireUser } from "@/lib/auth/session";
import { formatUsd } from "@/lib/credits/money";
import { createEmbeddings } from "@/lib/inference/embeddings";
import { createImages } from "@/lib/inference/images";
import { createSpeech } from "@/lib/inference/speech";
import { toSrt, toVtt } from "@/lib/inference/audio/subtitles";
import { createTranscription } from "@/lib/inference/transcriptions";
import { listRequestLog, type RequestLogRow } from "@/lib/usage/request-log";
import { zodErrorToDomainError } from "@/lib/inference/openai-errors";
import type { PlaygroundModel } from "@/components/playground/playground-model";
import type { RequestFailure } from "@/components/playground/request-error";
import { playgroundModels } from "./models";
import { playgroundPrincipal } from "./principal";
import { MAX_EMBEDDING_TEXTS, MAX_SPEECH_CHARACTERS } from "./limits";
import { requestFailure } from "./request-failure";
import { norm, similarityMatrix } from "./vector-math";

const kindSchema = z.enum(["CHAT", "IMAGE", "TRANSCRIPTION", "SPEECH", "EMBEDDING"]);

/** The models of one kind, for the playground's pickers (TanStack Query refreshes them). */
export async function listPlaygroundModels(kind: z.infer<typeof kindSchema>): Promise<PlaygroundModel[]> {
  await requireUser();
  return playgroundModels(kindSchema.parse(kind));
}

/** A request the user just made, as the request log has it: the newest page of the log holds it. */
async function recentRequest(userId: string, requestId: string, modelId: string): Promise<RequestLogRow | null> {
  const { rows } = await listRequestLog(userId, { model: modelId });
  return rows.find((row) => row.id === requestId) ?? null;
}

export interface RequestSummary {
  status: RequestLogRow["status"];
  inputTokens: number;
  outputTokens: number;
  /** What was charged, for people ("$0.000012"). */
  cost: string;
}

const requestRefSchema = z.object({ requestId: z.string().regex(/^req_[0-9a-f]{32}$/), model: z.string().min(1) });

/**
 * How a playground request ended, from the request log: a chat reply stopped in the browser never
 * receives its usage chunk, so the page asks here what it was billed once the server settled it.
 */
export async function getRequestSummary(input: z.input<typeof requestRefSchema>): Promise<RequestSummary | null> {
  const user = await requireUser();
  const parsed = requestRefSchema.safeParse(input);
  if (!parsed.success) return null;
  const request = await recentRequest(user.id, parsed.data.requestId, parsed.data.model);
  if (!request) return null;
  return { status: request.status, inputTokens: request.inputTokens, outputTokens: request.outputTokens, cost: formatUsd(request.cost) };
}

const imagesInputSchema = z.strictObject({
  model: z.string().min(1),
  prompt: z.string().trim().min(1, "describe the image you want"),
  n: z.number().int().min(1).max(10),
  size: z.string().min(1),
});

export type ImagesInput = z.input<typeof imagesInputSchema>;

export type ImagesResult = { ok: true; requestId: string; size: string; pngBase64: string[]; cost: string } | RequestFailure;

export async function generatePlaygroundImages(input: ImagesInput): Promise<ImagesResult> {
  const user = await requireUser();
  const parsed = imagesInputSchema.safeParse(input);
  if (!parsed.success) return requestFailure(zodErrorToDomainError(parsed.error));
  try {
    const principal = await playgroundPrincipal(user.id);
    const { requestId, cost, body } = await createImages(principal, { ...parsed.data, response_format: "b64_json" });
    const pngBase64 = body.data.flatMap((image) => ("b64_json" in image ? [image.b64_json] : []));
    return { ok: true, requestId, size: parsed.data.size, pngBase64, cost: formatUsd(cost) };
  } catch (error) {
    return requestFailure(error);
  }
}

const transcriptionInputSchema = z.object({
  file: z.instanceof(File, { message: "choose an audio file or record one" }).refine((file) => file.size > 0, "the audio file is empty"),
  model: z.string().min(1),
  language: z.string().trim().optional(),
  response_format: z.enum(["json", "verbose_json"]),
});

export type TranscriptionResult =
  | {
      ok: true;
      requestId: string;
      format: "json" | "verbose_json";
      /** The API's answer, as curl would print it. */
      output: string;
      text: string;
      durationSeconds: number;
      cost: string;
      /** Timed subtitles; verbose_json carries the segments they are made from. */
      subtitles: { srt: string; vtt: string } | null;
    }
  | RequestFailure;

/**
 * Transcribes an uploaded or recorded file (FormData: file, model, language, response_format).
 * The playground asks for one of the JSON formats, whose usage says how long the audio was and
 * what it cost; SRT and VTT files are made from verbose_json's segments.
 */
export async function transcribePlaygroundAudio(form: FormData): Promise<TranscriptionResult> {
  const user = await requireUser();
  const parsed = transcriptionInputSchema.safeParse({
    file: form.get("file"),
    model: form.get("model"),
    language: form.get("language") || undefined,
    response_format: form.get("response_format"),
  });
  if (!parsed.success) return requestFailure(zodErrorToDomainError(parsed.error));
  const { file, model, language, response_format } = parsed.data;
  // Only the fields the playground offers reach the core.
  const request = new FormData();
  request.set("file", file, file.name);
  request.set("model", model);
  request.set("response_format", response_format);
  if (language) request.set("language", language);
  try {
    const principal = await playgroundPrincipal(user.id);
    const { requestId, cost, body: response } = await createTranscription(principal, request);
    if (response.format === "json") {
      const { body } = response;
      return {
        ok: true,
        requestId,
        format: "json",
        output: JSON.stringify(body, null, 2),
        text: body.text,
        durationSeconds: body.usage.seconds,
        cost: formatUsd(cost),
        subtitles: null,
      };
    }
    if (response.format === "verbose_json") {
      const { body } = response;
      return {
        ok: true,
        requestId,
        format: "verbose_json",
        output: JSON.stringify(body, null, 2),
        text: body.text,
        durationSeconds: body.duration,
        cost: formatUsd(cost),
        subtitles: { srt: toSrt(body.segments), vtt: toVtt(body.segments) },
      };
    }
    throw new Error(`The playground asked for JSON but got ${response.format}.`);
  } catch (error) {
    return requestFailure(error);
  }
}

const speechInputSchema = z.strictObject({
  model: z.string().min(1),
  input: z.string().trim().min(1, "type the text to speak").max(MAX_SPEECH_CHARACTERS, `the text can be at most ${MAX_SPEECH_CHARACTERS} characters`),
  voice: z.string().min(1),
  // The formats a browser's <audio> plays; pcm (raw samples) has no player.
  response_format: z.enum(["mp3", "wav", "opus", "flac", "aac"]),
  speed: z.number().min(0.25).max(4),
});

export type SpeechInput = z.input<typeof speechInputSchema>;

export type SpeechResult = { ok: true; requestId: string; audioBase64: string; contentType: string; characters: number; cost: string } | RequestFailure;

/** Speaks the text with the chosen model and voice; the audio comes back whole, as the API sends it. */
export async function synthesizePlaygroundSpeech(input: SpeechInput): Promise<SpeechResult> {
  const user = await requireUser();
  const parsed = speechInputSchema.safeParse(input);
  if (!parsed.success) return requestFailure(zodErrorToDomainError(parsed.error));
  try {
    const principal = await playgroundPrincipal(user.id);
    const { requestId, cost, body } = await createSpeech(principal, parsed.data);
    return {
      ok: true,
      requestId,
      audioBase64: Buffer.from(body.audio).toString("base64"),
      contentType: body.contentType,
      characters: parsed.data.input.length,
      cost: formatUsd(cost),
    };
  } catch (error) {
    return requestFailure(error);
  }
}

/** How many of a vector's first values the playground shows. */
const PREVIEW_DIMENSIONS = 6;

const embeddingsInputSchema = z.strictObject({
  model: z.string().min(1),
  input: z
    .array(z.string().trim().min(1, "every text needs some words").max(8192, "a text can be at most 8192 characters"))
    .min(1, "type at least one text")
    .max(MAX_EMBEDDING_TEXTS, `embed at most ${MAX_EMBEDDING_TEXTS} texts at once`),
});

export type EmbeddingsInput = z.input<typeof embeddingsInputSchema>;

export interface VectorSummary {
  dimensions: number;
  norm: number;
  /** The vector's first values. */
  preview: number[];
}

export type EmbeddingsResult = { ok: true; requestId: string; vectors: VectorSummary[]; similarity: number[][]; tokens: number; cost: string } | RequestFailure;

/** Embeds the texts and compares them: each vector summed up, and every pair's cosine similarity. */
export async function embedPlaygroundTexts(input: EmbeddingsInput): Promise<EmbeddingsResult> {
  const user = await requireUser();
  const parsed = embeddingsInputSchema.safeParse(input);
  if (!parsed.success) return requestFailure(zodErrorToDomainError(parsed.error));
  try {
    const principal = await playgroundPrincipal(user.id);
    const { requestId, cost, body } = await createEmbeddings(principal, { ...parsed.data, encoding_format: "float" });
    const vectors = body.data.map((item) => {
      if (typeof item.embedding === "string") throw new Error("The playground asked for float vectors but got base64.");
      return item.embedding;
    });
    return {
      ok: true,
      requestId,
      vectors: vectors.map((vector) => ({ dimensions: vector.length, norm: norm(vector), preview: vector.slice(0, PREVIEW_DIMENSIONS) })),
      similarity: similarityMatrix(vectors),
      tokens: body.usage.prompt_tokens,
      cost: formatUsd(cost),
    };
  } catch (error) {
    return requestFailure(error);
  }
}
