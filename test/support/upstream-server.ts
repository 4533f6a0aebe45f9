// A loopback inference server that speaks OpenAI's protocol, standing in for vLLM & co. in the
// gateway's tests and benchmark: chat completions (plain, and streamed with a usage chunk when
// asked; tool calls, JSON answers, several choices and log probabilities as vLLM gives them),
// legacy text completions, image generation, transcription and translation, embeddings and speech.
// Its behaviour is set per upstream model name, so
// tests that register their own Model rows don't disturb each other; every request is recorded,
// including whether the gateway hung up on it before it was answered.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";

export interface UpstreamBehaviour {
  /** Completion tokens to generate when the request has no max_tokens. */
  defaultTokens: number;
  /** Pause before each streamed token (and before a plain answer, once per token). */
  tokenDelayMs: number;
  /** A stream's longer pause after its first token, before the rest: it has begun delivering, then waits. */
  pauseAfterFirstTokenMs: number;
  /** Answer every request with this HTTP status and an OpenAI error body. */
  failWith: number | null;
  /** Send the first `failAfterTokens` tokens of a stream, then an error event. */
  failAfterTokens: number | null;
  /** Send the first `cutAfterTokens` tokens of a stream, then drop the connection (a crashed server). */
  cutAfterTokens: number | null;
  /** Never answer (until the client gives up): for timeout tests. */
  hang: boolean;
  /** Leave usage out of answers, as some servers do. */
  omitUsage: boolean;
  /** The transcript of any audio (and the translation: the server "translates" into it too). */
  transcript: string;
  /** Answer embeddings with vectors of this length when the request names no `dimensions`. */
  embeddingDimensions: number;
  /**
   * Answer chat requests that offer tools by calling these (all of them unless
   * parallel_tool_calls is false). Without it a request still gets a call when its tool_choice
   * names a function or is "required".
   */
  toolCall: UpstreamToolCall | UpstreamToolCall[] | null;
}

export interface RecordedRequest {
  path: string;
  model: string | null;
  body: Record<string, unknown>;
  /** The body's text exactly as received (JSON requests). */
  raw: string;
  headers: IncomingMessage["headers"];
  /** The answer was sent or abandoned. */
  ended: boolean;
  /** True when the client closed the connection before the answer was complete. */
  aborted: boolean;
  /** Completion tokens sent before the answer ended or was abandoned. */
  tokensSent: number;
  /** The usage of the whole answer (generation requests), whether or not it was reported (omitUsage). */
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
}

export interface UpstreamServer {
  /** Base URL including /v1, as a Model row's providerConfig.baseUrl wants it. */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Sets how requests for `upstreamModel` are answered (unset fields keep their defaults). */
  behave(upstreamModel: string, behaviour: Partial<UpstreamBehaviour>): void;
  requestsFor(upstreamModel: string): RecordedRequest[];
  /** The most requests for the model this server was working on at once. */
  peakConcurrency(upstreamModel: string): number;
  /** Resolves when `count` requests for the model have ended (answered or abandoned). */
  waitForEnded(upstreamModel: string, count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

const DEFAULTS: UpstreamBehaviour = {
  defaultTokens: 6,
  tokenDelayMs: 0,
  pauseAfterFirstTokenMs: 0,
  failWith: null,
  failAfterTokens: null,
  cutAfterTokens: null,
  hang: false,
  omitUsage: false,
  transcript: "the quick brown fox jumps over the lazy dog",
  embeddingDimensions: 8,
  toolCall: null,
};

/** The pause before a stream's next token, after `sent` tokens. */
function tokenPause(b: UpstreamBehaviour, sent: number): number {
  return sent === 1 ? b.tokenDelayMs + b.pauseAfterFirstTokenMs : b.tokenDelayMs;
}

const WORDS = ["Hello", " from", " the", " loopback", " upstream", "."];

/** The text of the first `count` generated tokens. */
export function upstreamText(count: number): string {
  return Array.from({ length: count }, (_, i) => WORDS[i % WORDS.length]).join("");
}

/** What the server reports as prompt tokens: a word count, plus three per message. */
export function upstreamPromptTokens(messages: { content: string }[]): number {
  return messages.reduce((sum, m) => sum + 3 + m.content.split(/\s+/).filter(Boolean).length, 0);
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (p as { text?: string }).text ?? "").join("\n");
  return "";
}

/** The loopback's embedding of one input: deterministic, from its text (or token ids) and position in the vector. */
export function upstreamEmbedding(input: string | number[], dimensions: number): number[] {
  const seed = typeof input === "string" ? [...input].reduce((sum, c) => sum + c.codePointAt(0)!, 0) : input.reduce((sum, id) => sum + id, 0);
  return Array.from({ length: dimensions }, (_, i) => Math.round(Math.sin(seed + i) * 1e6) / 1e6);
}

/** What the loopback counts as an input's tokens: its words (or its ids), plus two special tokens. */
export function upstreamEmbeddingTokens(input: string | number[]): number {
  return (typeof input === "string" ? input.split(/\s+/).filter(Boolean).length : input.length) + 2;
}

function embeddingsAnswer(body: Record<string, unknown>, b: UpstreamBehaviour): object {
  const raw = body.input as string | string[] | number[] | number[][];
  const inputs: (string | number[])[] = typeof raw === "string" || typeof raw[0] === "number" ? [raw as string | number[]] : (raw as (string | number[])[]);
  const dimensions = typeof body.dimensions === "number" ? body.dimensions : b.embeddingDimensions;
  const tokens = inputs.reduce((sum, input) => sum + upstreamEmbeddingTokens(input), 0);
  return {
    object: "list",
    data: inputs.map((input, index) => ({ object: "embedding", index, embedding: upstreamEmbedding(input, dimensions) })),
    model: body.model,
    ...(!b.omitUsage && { usage: { prompt_tokens: tokens, total_tokens: tokens } }),
  };
}

/** A real, tiny WAV file: a 440 Hz tone, 16 kHz mono 16-bit, one 10 ms step per input character (at most 2 s). */
export function upstreamSpeechWav(input: string): Buffer {
  const samples = Math.min(input.length, 200) * 160;
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write("RIFF", 0, "latin1");
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write("WAVEfmt ", 8, "latin1");
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(16_000, 24);
  wav.writeUInt32LE(32_000, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write("data", 36, "latin1");
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) wav.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / 16_000) * 8_000), 44 + i * 2);
  return wav;
}

/** Speech as the loopback makes it: the same WAV bytes whatever response_format asks (the tests check they are relayed unchanged). */
function sendSpeech(res: ServerResponse, body: Record<string, unknown>): void {
  const wav = upstreamSpeechWav(String(body.input ?? ""));
  res.writeHead(200, { "content-type": "audio/wav", "content-length": wav.byteLength });
  res.end(wav);
}

/** A function call the upstream answers with. */
export interface UpstreamToolCall {
  name: string;
  /** JSON text; by default an example object of the tool's `parameters` schema. */
  arguments?: string;
}

interface PlannedChoice {
  /** Content tokens. */
  content: string[];
  toolCalls: { id: string; name: string; arguments: string }[];
  finish: "stop" | "length" | "tool_calls";
}

/** Characters per streamed token of a JSON answer or of tool-call arguments. */
const JSON_PIECE_CHARS = 6;

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length ? out : [""];
}

/**
 * The deltas a choice streams, one token each, as vLLM streams them: content a token at a time; a
 * tool call as one delta with its index, id, type and name (arguments ""), then its arguments in
 * fragments carrying only the index.
 */
function stepsOf(choice: PlannedChoice): Record<string, unknown>[] {
  const content = choice.content.map((token) => ({ content: token }));
  const calls = choice.toolCalls.flatMap((call, index) => [
    { tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }] },
    ...pieces(call.arguments, JSON_PIECE_CHARS).map((fragment) => ({ tool_calls: [{ index, function: { arguments: fragment } }] })),
  ]);
  return [...content, ...calls];
}

type JsonSchema = Record<string, unknown>;

/** A value that satisfies a simple JSON schema: objects, arrays, enums, consts and scalars. */
export function exampleOf(schema: unknown): unknown {
  if (!schema || typeof schema !== "object") return null;
  const s = schema as JsonSchema;
  if ("const" in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  for (const key of ["anyOf", "oneOf", "allOf"]) {
    if (Array.isArray(s[key])) return exampleOf((s[key] as JsonSchema[]).find((option) => option.type !== "null") ?? s[key][0]);
  }
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  switch (type) {
    case "object": {
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, exampleOf(property)]));
    }
    case "array":
      return [exampleOf(s.items)];
    case "string":
      return "loopback";
    case "integer":
      return Math.ceil(within(s, 7));
    case "number":
      return within(s, 7.5);
    case "boolean":
      return true;
    default:
      return s.properties ? exampleOf({ ...s, type: "object" }) : null;
  }
}

/** `value`, moved into the schema's minimum and maximum. */
function within(s: JsonSchema, value: number): number {
  const min = typeof s.minimum === "number" ? s.minimum : -Infinity;
  const max = typeof s.maximum === "number" ? s.maximum : Infinity;
  return Math.min(Math.max(value, min), max);
}

interface OfferedTool {
  name: string;
  parameters: unknown;
}

/** The calls a chat request is answered with: none unless it offers tools and is told or forced to call. */
function toolCallsFor(body: Record<string, unknown>, b: UpstreamBehaviour): { name: string; arguments: string }[] {
  const offered: OfferedTool[] = ((body.tools as { type?: string; function?: { name: string; parameters?: unknown } }[] | undefined) ?? [])
    .filter((tool) => tool.type === "function" && tool.function)
    .map((tool) => ({ name: tool.function!.name, parameters: tool.function!.parameters }));
  const choice = body.tool_choice;
  // Given a tool's result, a model answers in text (unless the request forces another call).
  const lastRole = ((body.messages as { role?: string }[] | undefined) ?? []).at(-1)?.role;
  if (!offered.length || choice === "none" || (lastRole === "tool" && typeof choice !== "object" && choice !== "required")) return [];
  const call = (wanted: UpstreamToolCall) => {
    const tool = offered.find((t) => t.name === wanted.name);
    return { name: wanted.name, arguments: wanted.arguments ?? JSON.stringify(exampleOf(tool?.parameters ?? { type: "object" })) };
  };
  const forced = typeof choice === "object" && choice !== null ? (choice as { function?: { name?: string } }).function?.name : undefined;
  const told = b.toolCall === null ? [] : Array.isArray(b.toolCall) ? b.toolCall : [b.toolCall];
  if (forced) return [call(told.find((t) => t.name === forced) ?? { name: forced })];
  if (told.length) return (body.parallel_tool_calls === false ? told.slice(0, 1) : told).map(call);
  if (choice === "required") return [call({ name: offered[0]!.name })];
  return [];
}

/** The JSON a request with response_format json_object or json_schema is answered with, else null. */
function jsonAnswerFor(body: Record<string, unknown>): string | null {
  const format = body.response_format as { type?: string; json_schema?: { schema?: unknown } } | undefined;
  if (format?.type === "json_schema") return JSON.stringify(exampleOf(format.json_schema?.schema ?? { type: "object" }));
  if (format?.type === "json_object") return JSON.stringify({ answer: upstreamText(DEFAULTS.defaultTokens) });
  return null;
}

/** A chat token's log probability in OpenAI's shape, with `top` alternatives (the token first). */
function tokenLogprob(token: string, top: number) {
  const entry = (t: string, logprob: number) => ({ token: t, logprob, bytes: [...Buffer.from(t, "utf8")] });
  return { ...entry(token, -0.25), top_logprobs: Array.from({ length: top }, (_, i) => entry(i === 0 ? token : `${token}~${i}`, -0.25 - i)) };
}

/** Legacy completions' log probabilities: parallel arrays, top alternatives as {token: logprob}. */
function completionLogprobs(tokens: string[], top: number) {
  let offset = 0;
  return {
    tokens,
    token_logprobs: tokens.map(() => -0.25),
    top_logprobs: tokens.map((token) => Object.fromEntries(Array.from({ length: top }, (_, i) => [i === 0 ? token : `${token}~${i}`, -0.25 - i]))),
    text_offset: tokens.map((token) => {
      const at = offset;
      offset += token.length;
      return at;
    }),
  };
}

/** A legacy completion's prompts: one string or token array, or several. */
function promptsOf(prompt: unknown): (string | number[])[] {
  if (typeof prompt === "string") return [prompt];
  if (!Array.isArray(prompt) || prompt.length === 0) return [""];
  if (typeof prompt[0] === "number") return [prompt as number[]];
  return prompt as (string | number[])[];
}

/** `port`: listen there (a server stopped with close() and started again on its port is "back"). */
export async function startUpstreamServer(options: { port?: number } = {}): Promise<UpstreamServer> {
  const behaviours = new Map<string, UpstreamBehaviour>();
  const concurrency = new Map<string, { now: number; peak: number }>();
  const requests: RecordedRequest[] = [];
  const ended: (() => void)[] = [];
  const behaviourOf = (model: string | null) => behaviours.get(model ?? "") ?? DEFAULTS;
  const notifyEnded = () => {
    for (const wake of ended.splice(0)) wake();
  };

  /** The answer a chat request gets, per choice, as the steps a server streams (one token each). */
  function chatPlan(body: Record<string, unknown>, b: UpstreamBehaviour): { choices: PlannedChoice[]; promptTokens: number } {
    const messages = ((body.messages as { content: unknown }[] | undefined) ?? []).map((m) => ({ content: textOf(m.content) }));
    const n = typeof body.n === "number" ? body.n : 1;
    const calls = toolCallsFor(body, b);
    const json = jsonAnswerFor(body);
    const maxTokens =
      typeof body.max_completion_tokens === "number" ? body.max_completion_tokens : typeof body.max_tokens === "number" ? body.max_tokens : null;
    const choice = (): PlannedChoice => {
      if (calls.length) {
        const toolCalls = calls.map((call, i) => ({ id: `call_loopback_${i}_${Math.random().toString(36).slice(2, 10)}`, ...call }));
        return { content: [], toolCalls, finish: "tool_calls" };
      }
      if (json !== null) return { content: pieces(json, JSON_PIECE_CHARS), toolCalls: [], finish: "stop" };
      const tokens = maxTokens ?? b.defaultTokens;
      return { content: Array.from({ length: tokens }, (_, i) => WORDS[i % WORDS.length]!), toolCalls: [], finish: maxTokens !== null ? "length" : "stop" };
    };
    return { choices: Array.from({ length: n }, choice), promptTokens: upstreamPromptTokens(messages) };
  }

  async function chat(res: ServerResponse, record: RecordedRequest, isClosed: () => boolean): Promise<void> {
    const b = behaviourOf(record.model);
    const body = record.body;
    const plan = chatPlan(body, b);
    const completionTokens = plan.choices.reduce((sum, c) => sum + stepsOf(c).length, 0);
    const usage = { prompt_tokens: plan.promptTokens, completion_tokens: completionTokens, total_tokens: plan.promptTokens + completionTokens };
    record.usage = usage;
    const base = { id: "chatcmpl-upstream", created: Math.floor(Date.now() / 1000), model: record.model, system_fingerprint: "fp_loopback" };
    const topLogprobs = body.logprobs === true ? (typeof body.top_logprobs === "number" ? body.top_logprobs : 0) : null;

    if (body.stream !== true) {
      await sleep(b.tokenDelayMs * completionTokens);
      if (isClosed()) return;
      record.tokensSent = completionTokens;
      sendJson(res, 200, {
        ...base,
        object: "chat.completion",
        choices: plan.choices.map((c, index) => ({
          index,
          // vLLM's ChatMessage as it serialises it: every optional field present, null when unset.
          message: {
            role: "assistant",
            content: c.toolCalls.length ? null : c.content.join(""),
            reasoning_content: null,
            refusal: null,
            annotations: null,
            audio: null,
            function_call: null,
            tool_calls: c.toolCalls.length
              ? c.toolCalls.map((call) => ({ id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } }))
              : null,
          },
          stop_reason: null,
          finish_reason: c.finish,
          logprobs: topLogprobs === null ? null : { content: c.content.map((token) => tokenLogprob(token, topLogprobs)), refusal: null },
        })),
        ...(!b.omitUsage && { usage }),
      });
      return;
    }

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (data: unknown) => res.write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
    const chunk = (index: number, delta: object, finish: string | null, logprobs: unknown = null) => ({
      ...base,
      object: "chat.completion.chunk",
      choices: [{ index, delta, finish_reason: finish, logprobs }],
      usage: null,
    });
    // As vLLM streams several choices: a role chunk for each, then their tokens interleaved, one
    // choice per chunk, each with its own index.
    plan.choices.forEach((_, index) => {
      send(chunk(index, { role: "assistant", content: "" }, null));
    });
    const steps = plan.choices.map(stepsOf);
    const longest = Math.max(...steps.map((s) => s.length));
    for (let step = 0; step < longest; step++) {
      for (const [index, choiceSteps] of steps.entries()) {
        const delta = choiceSteps[step];
        if (!delta) continue;
        await sleep(tokenPause(b, record.tokensSent));
        if (isClosed()) return;
        if (b.cutAfterTokens !== null && record.tokensSent === b.cutAfterTokens) {
          res.destroy();
          return;
        }
        if (b.failAfterTokens !== null && record.tokensSent === b.failAfterTokens) {
          send({ error: { message: "CUDA out of memory", type: "server_error", param: null, code: null } });
          res.end();
          return;
        }
        const logprobs =
          topLogprobs !== null && typeof delta.content === "string" ? { content: [tokenLogprob(delta.content, topLogprobs)], refusal: null } : null;
        send(chunk(index, delta, null, logprobs));
        record.tokensSent += 1;
      }
    }
    plan.choices.forEach((c, index) => {
      send(chunk(index, {}, c.finish));
    });
    const options = body.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage && !b.omitUsage) send({ ...base, object: "chat.completion.chunk", choices: [], usage });
    send("[DONE]");
    res.end();
  }

  /** POST /completions, the legacy text completions: a choice per prompt and n, index prompt × n + i. */
  async function completion(res: ServerResponse, record: RecordedRequest, isClosed: () => boolean): Promise<void> {
    const b = behaviourOf(record.model);
    const body = record.body;
    const prompts = promptsOf(body.prompt);
    const n = typeof body.n === "number" ? body.n : 1;
    const maxTokens = typeof body.max_tokens === "number" ? body.max_tokens : null;
    const tokens = maxTokens ?? b.defaultTokens;
    const finish = maxTokens !== null ? "length" : "stop";
    const words = Array.from({ length: tokens }, (_, i) => WORDS[i % WORDS.length]!);
    const choices = prompts.flatMap((prompt) => Array.from({ length: n }, () => (body.echo === true && typeof prompt === "string" ? prompt : "")));
    const promptTokens = prompts.reduce<number>((sum, p) => sum + (typeof p === "string" ? p.split(/\s+/).filter(Boolean).length : p.length), 0);
    const completionTokens = choices.length * tokens;
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
    record.usage = usage;
    const base = {
      id: "cmpl-upstream",
      object: "text_completion",
      created: Math.floor(Date.now() / 1000),
      model: record.model,
      system_fingerprint: "fp_loopback",
    };
    const topLogprobs = typeof body.logprobs === "number" ? body.logprobs : null;

    if (body.stream !== true) {
      await sleep(b.tokenDelayMs * completionTokens);
      if (isClosed()) return;
      record.tokensSent = completionTokens;
      sendJson(res, 200, {
        ...base,
        choices: choices.map((echo, index) => ({
          index,
          text: echo + words.join(""),
          finish_reason: finish,
          logprobs: topLogprobs === null ? null : completionLogprobs(words, topLogprobs),
        })),
        ...(!b.omitUsage && { usage }),
      });
      return;
    }

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (data: unknown) => res.write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
    const chunk = (index: number, text: string, finishReason: string | null, logprobs: unknown = null) => ({
      ...base,
      choices: [{ index, text, finish_reason: finishReason, logprobs }],
    });
    choices.forEach((echo, index) => {
      if (echo) send(chunk(index, echo, null));
    });
    for (const word of words) {
      for (const index of choices.keys()) {
        await sleep(tokenPause(b, record.tokensSent));
        if (isClosed()) return;
        if (b.failAfterTokens !== null && record.tokensSent === b.failAfterTokens) {
          send({ error: { message: "CUDA out of memory", type: "server_error", param: null, code: null } });
          res.end();
          return;
        }
        send(chunk(index, word, null, topLogprobs === null ? null : completionLogprobs([word], topLogprobs)));
        record.tokensSent += 1;
      }
    }
    choices.forEach((_, index) => {
      send(chunk(index, "", finish));
    });
    const options = body.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage && !b.omitUsage) send({ ...base, choices: [], usage });
    send("[DONE]");
    res.end();
  }

  async function images(res: ServerResponse, record: RecordedRequest): Promise<void> {
    const [width, height] = String(record.body.size ?? "1024x1024")
      .split("x")
      .map(Number) as [number, number];
    const n = typeof record.body.n === "number" ? record.body.n : 1;
    const data = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const png = await sharp({ create: { width, height, channels: 3, background: { r: 40 * i, g: 120, b: 200 } } })
          .png()
          .toBuffer();
        return { b64_json: png.toString("base64") };
      }),
    );
    sendJson(res, 200, { created: Math.floor(Date.now() / 1000), data });
  }

  async function transcription(res: ServerResponse, record: RecordedRequest, raw: Buffer, contentType: string): Promise<void> {
    const form = await new Response(new Uint8Array(raw), { headers: { "content-type": contentType } }).formData();
    const fields = Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === "string"));
    record.body = fields;
    record.model = typeof fields.model === "string" ? fields.model : null;
    const b = behaviourOf(record.model);
    if (b.failWith) return sendJson(res, b.failWith, { error: { message: "upstream failure", type: "server_error", param: null, code: null } });
    const words = b.transcript.split(" ");
    sendJson(res, 200, {
      task: record.path.endsWith("/audio/translations") ? "translate" : "transcribe",
      language: "english",
      duration: words.length * 0.4,
      text: b.transcript,
      segments: [{ id: 0, start: 0, end: words.length * 0.4, text: b.transcript }],
      words: words.map((word, i) => ({ word, start: i * 0.4, end: i * 0.4 + 0.35 })),
    });
  }

  const server = createServer((req, res) => {
    const record: RecordedRequest = {
      path: req.url ?? "",
      model: null,
      body: {},
      raw: "",
      headers: req.headers,
      ended: false,
      aborted: false,
      tokensSent: 0,
      usage: null,
    };
    res.on("close", () => {
      if (!res.writableFinished) record.aborted = true;
      record.ended = true;
      notifyEnded();
    });
    const isClosed = () => record.ended || res.destroyed;
    // The pool's health probe: answered, never recorded, so tests counting requests don't see it.
    if (req.method === "GET" && req.url?.endsWith("/models")) return sendJson(res, 200, { object: "list", data: [] });
    void (async () => {
      const raw = await readBody(req);
      const contentType = req.headers["content-type"] ?? "";
      if (contentType.startsWith("application/json")) {
        record.raw = raw.toString("utf8");
        record.body = JSON.parse(record.raw) as Record<string, unknown>;
        record.model = typeof record.body.model === "string" ? record.body.model : null;
      }
      requests.push(record);
      const counter = concurrency.get(record.model ?? "") ?? { now: 0, peak: 0 };
      concurrency.set(record.model ?? "", counter);
      counter.now += 1;
      counter.peak = Math.max(counter.peak, counter.now);
      res.once("close", () => {
        counter.now -= 1;
      });
      if (record.path.endsWith("/audio/transcriptions") || record.path.endsWith("/audio/translations")) return transcription(res, record, raw, contentType);
      const b = behaviourOf(record.model);
      if (b.hang) return;
      if (b.failWith) return sendJson(res, b.failWith, { error: { message: "upstream failure", type: "server_error", param: null, code: null } });
      if (record.path.endsWith("/chat/completions")) return chat(res, record, isClosed);
      if (record.path.endsWith("/v1/completions")) return completion(res, record, isClosed);
      if (record.path.endsWith("/images/generations")) return images(res, record);
      if (record.path.endsWith("/embeddings")) return sendJson(res, 200, embeddingsAnswer(record.body, b));
      if (record.path.endsWith("/audio/speech")) return sendSpeech(res, record.body);
      sendJson(res, 404, { error: { message: `No route ${record.path}`, type: "invalid_request_error", param: null, code: null } });
    })().catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error), type: "server_error", param: null, code: null } });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;

  const requestsFor = (model: string) => requests.filter((r) => r.model === model);
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    behave(model, behaviour) {
      behaviours.set(model, { ...(behaviours.get(model) ?? DEFAULTS), ...behaviour });
    },
    requestsFor,
    peakConcurrency: (model) => concurrency.get(model)?.peak ?? 0,
    async waitForEnded(model, count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const done = requestsFor(model).filter((r) => r.ended);
        if (done.length >= count) return done;
        if (Date.now() > deadline) throw new Error(`Only ${done.length} of ${count} upstream requests for ${model} ended in time`);
        await new Promise<void>((resolve) => {
          ended.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
