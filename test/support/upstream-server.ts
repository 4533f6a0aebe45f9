// A loopback inference server that speaks OpenAI's protocol, standing in for vLLM & co. in the
// gateway's tests and benchmark: chat completions (plain, and streamed with a usage chunk when
// asked), image generation and transcription. Its behaviour is set per upstream model name, so
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
  /** Answer every request with this HTTP status and an OpenAI error body. */
  failWith: number | null;
  /** Send the first `failAfterTokens` tokens of a stream, then an error event. */
  failAfterTokens: number | null;
  /** Never answer (until the client gives up): for timeout tests. */
  hang: boolean;
  /** Leave usage out of answers, as some servers do. */
  omitUsage: boolean;
  /** The transcript of any audio. */
  transcript: string;
  /**
   * Call the request's first tool with these JSON arguments (streamed in a few pieces) when the
   * request has tools and its last message is not a tool's result; otherwise answer in text.
   */
  toolArguments: string | null;
}

export interface RecordedRequest {
  path: string;
  model: string | null;
  body: Record<string, unknown>;
  headers: IncomingMessage["headers"];
  /** The answer was sent or abandoned. */
  ended: boolean;
  /** True when the client closed the connection before the answer was complete. */
  aborted: boolean;
  /** Completion tokens sent before the answer ended or was abandoned. */
  tokensSent: number;
}

export interface UpstreamServer {
  /** Base URL including /v1, as a Model row's providerConfig.baseUrl wants it. */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Sets how requests for `upstreamModel` are answered (unset fields keep their defaults). */
  behave(upstreamModel: string, behaviour: Partial<UpstreamBehaviour>): void;
  requestsFor(upstreamModel: string): RecordedRequest[];
  /** Resolves when `count` requests for the model have ended (answered or abandoned). */
  waitForEnded(upstreamModel: string, count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

const DEFAULTS: UpstreamBehaviour = {
  defaultTokens: 6,
  tokenDelayMs: 0,
  failWith: null,
  failAfterTokens: null,
  hang: false,
  omitUsage: false,
  transcript: "the quick brown fox jumps over the lazy dog",
  toolArguments: null,
};

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

export async function startUpstreamServer(): Promise<UpstreamServer> {
  const behaviours = new Map<string, UpstreamBehaviour>();
  const requests: RecordedRequest[] = [];
  const ended: (() => void)[] = [];
  const behaviourOf = (model: string | null) => behaviours.get(model ?? "") ?? DEFAULTS;
  const notifyEnded = () => ended.splice(0).forEach((wake) => wake());

  async function chat(res: ServerResponse, record: RecordedRequest, isClosed: () => boolean): Promise<void> {
    const b = behaviourOf(record.model);
    const body = record.body;
    const messages = ((body.messages as { content: unknown }[] | undefined) ?? []).map((m) => ({ content: textOf(m.content) }));
    const maxTokens = typeof body.max_tokens === "number" ? body.max_tokens : null;
    const tokens = maxTokens ?? b.defaultTokens;
    const finishReason = maxTokens !== null ? "length" : "stop";
    const usage = { prompt_tokens: upstreamPromptTokens(messages), completion_tokens: tokens, total_tokens: upstreamPromptTokens(messages) + tokens };
    const base = { id: "chatcmpl-upstream", created: Math.floor(Date.now() / 1000), model: record.model, system_fingerprint: "fp_loopback" };
    const tools = body.tools as { function?: { name?: string } }[] | undefined;
    const lastRole = ((body.messages as { role?: string }[] | undefined) ?? []).at(-1)?.role;
    const toolName = b.toolArguments !== null && lastRole !== "tool" ? tools?.[0]?.function?.name : undefined;
    if (toolName !== undefined) return toolCall(res, record, toolName, b.toolArguments!, usage, base);

    if (body.stream !== true) {
      await sleep(b.tokenDelayMs * tokens);
      if (isClosed()) return;
      record.tokensSent = tokens;
      sendJson(res, 200, {
        ...base,
        object: "chat.completion",
        choices: [{ index: 0, message: { role: "assistant", content: upstreamText(tokens) }, finish_reason: finishReason, logprobs: null }],
        ...(!b.omitUsage && { usage }),
      });
      return;
    }

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (data: unknown) => res.write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
    const chunk = (delta: object, finish: string | null) => ({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }], usage: null });
    send(chunk({ role: "assistant", content: "" }, null));
    for (let i = 0; i < tokens; i++) {
      await sleep(b.tokenDelayMs);
      if (isClosed()) return;
      if (b.failAfterTokens !== null && i === b.failAfterTokens) {
        send({ error: { message: "CUDA out of memory", type: "server_error", param: null, code: null } });
        res.end();
        return;
      }
      send(chunk({ content: WORDS[i % WORDS.length] }, null));
      record.tokensSent = i + 1;
    }
    send(chunk({}, finishReason));
    const options = body.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage && !b.omitUsage) send({ ...base, object: "chat.completion.chunk", choices: [], usage });
    send("[DONE]");
    res.end();
  }

  /** A reply that calls a tool instead of answering in text: whole, or streamed as OpenAI streams it. */
  function toolCall(res: ServerResponse, record: RecordedRequest, name: string, args: string, usage: object, base: object): void {
    const call = { id: "call_loopback_1", type: "function", function: { name, arguments: args } };
    record.tokensSent = 1;
    if (record.body.stream !== true) {
      sendJson(res, 200, { ...base, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: [call] }, finish_reason: "tool_calls", logprobs: null }], usage });
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (data: unknown) => res.write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
    const chunk = (delta: object, finish: string | null) => ({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }], usage: null });
    // The first piece names the call; the arguments follow in three pieces, keyed by index only.
    send(chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, id: call.id, type: "function", function: { name, arguments: "" } }] }, null));
    const third = Math.ceil(args.length / 3);
    for (let i = 0; i < args.length; i += third) send(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(i, i + third) } }] }, null));
    send(chunk({}, "tool_calls"));
    if ((record.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) send({ ...base, object: "chat.completion.chunk", choices: [], usage });
    send("[DONE]");
    res.end();
  }

  async function images(res: ServerResponse, record: RecordedRequest): Promise<void> {
    const [width, height] = String(record.body.size ?? "1024x1024").split("x").map(Number) as [number, number];
    const n = typeof record.body.n === "number" ? record.body.n : 1;
    const data = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const png = await sharp({ create: { width, height, channels: 3, background: { r: 40 * i, g: 120, b: 200 } } }).png().toBuffer();
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
      task: "transcribe",
      language: "english",
      duration: words.length * 0.4,
      text: b.transcript,
      segments: [{ id: 0, start: 0, end: words.length * 0.4, text: b.transcript }],
      words: words.map((word, i) => ({ word, start: i * 0.4, end: i * 0.4 + 0.35 })),
    });
  }

  const server = createServer((req, res) => {
    const record: RecordedRequest = { path: req.url ?? "", model: null, body: {}, headers: req.headers, ended: false, aborted: false, tokensSent: 0 };
    res.on("close", () => {
      if (!res.writableFinished) record.aborted = true;
      record.ended = true;
      notifyEnded();
    });
    const isClosed = () => record.ended || res.destroyed;
    void (async () => {
      const raw = await readBody(req);
      const contentType = req.headers["content-type"] ?? "";
      if (contentType.startsWith("application/json")) {
        record.body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
        record.model = typeof record.body.model === "string" ? record.body.model : null;
      }
      requests.push(record);
      if (record.path.endsWith("/audio/transcriptions")) return transcription(res, record, raw, contentType);
      const b = behaviourOf(record.model);
      if (b.hang) return;
      if (b.failWith) return sendJson(res, b.failWith, { error: { message: "upstream failure", type: "server_error", param: null, code: null } });
      if (record.path.endsWith("/chat/completions")) return chat(res, record, isClosed);
      if (record.path.endsWith("/images/generations")) return images(res, record);
      sendJson(res, 404, { error: { message: `No route ${record.path}`, type: "invalid_request_error", param: null, code: null } });
    })().catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error), type: "server_error", param: null, code: null } });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const requestsFor = (model: string) => requests.filter((r) => r.model === model);
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    behave(model, behaviour) {
      behaviours.set(model, { ...(behaviours.get(model) ?? DEFAULTS), ...behaviour });
    },
    requestsFor,
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
