// The request body of POST /v1/chat/completions (and the playground's chat), validated once here.
//
// Every field of OpenAI's CreateChatCompletionRequest is accepted and passed to upstream servers
// unchanged, and so are fields we don't know (vLLM's top_k, min_p, repetition_penalty,
// chat_template_kwargs…): the request is checked for types and sizes, not narrowed to a subset.
// What a model cannot do (tools, JSON mode, images, audio, log probabilities, several choices) is
// refused by its declared capabilities (lib/inference/capabilities.ts), before credit is held.
import { z } from "zod";
import type { CapabilityNeeds } from "@/lib/inference/capabilities";
import { type ParsedGeneration, sharedGenerationFields, stopSequences, streamOptionsNeedStream } from "@/lib/inference/generation-request";
import type { ChatMessage, ChatRole } from "@/lib/inference/providers/types";
import { parseRequest } from "@/lib/inference/request-fields";

const MAX_TOOLS = 128;
/** OpenAI's own limit on one request's images. */
const MAX_IMAGES = 500;

const textPart = z.looseObject({ type: z.literal("text"), text: z.string() });
const imagePart = z.looseObject({
  type: z.literal("image_url"),
  image_url: z.looseObject({
    url: z
      .string()
      .refine((url) => /^https?:\/\//i.test(url) || /^data:image\/[\w.+-]+;base64,/i.test(url), "expected an http(s) URL or a base64 data URL of an image"),
    detail: z.enum(["auto", "low", "high"]).optional(),
  }),
});
const audioPart = z.looseObject({
  type: z.literal("input_audio"),
  input_audio: z.looseObject({ data: z.string().min(1), format: z.string().min(1) }),
});
const filePart = z.looseObject({ type: z.literal("file"), file: z.looseObject({}) });
const refusalPart = z.looseObject({ type: z.literal("refusal"), refusal: z.string() });
const contentPart = z.discriminatedUnion("type", [textPart, imagePart, audioPart, filePart, refusalPart], {
  error: 'expected a content part of type "text", "image_url", "input_audio", "file" or "refusal"',
});

const content = z.union([z.string(), z.array(contentPart).min(1)]);

const toolCall = z.looseObject({
  id: z.string().min(1),
  type: z.string().default("function"),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }).optional(),
});

const message = z.discriminatedUnion(
  "role",
  [
    z.looseObject({ role: z.enum(["system", "developer"]), content, name: z.string().max(256).optional() }),
    z.looseObject({ role: z.literal("user"), content, name: z.string().max(256).optional() }),
    z.looseObject({
      role: z.literal("assistant"),
      content: content.nullish(),
      name: z.string().max(256).optional(),
      refusal: z.string().nullish(),
      tool_calls: z.array(toolCall).nullish(),
      function_call: z.looseObject({ name: z.string(), arguments: z.string() }).nullish(),
    }),
    z.looseObject({ role: z.literal("tool"), content, tool_call_id: z.string().min(1) }),
    z.looseObject({ role: z.literal("function"), content: z.string().nullable(), name: z.string().min(1) }),
  ],
  { error: 'expected a message whose role is "system", "developer", "user", "assistant" or "tool"' },
);

const functionName = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "function names are 1 to 64 letters, digits, underscores or dashes");
const functionDefinition = z.looseObject({
  name: functionName,
  description: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  strict: z.boolean().nullish(),
});
const tool = z.union(
  [
    z.looseObject({ type: z.literal("function"), function: functionDefinition }),
    z.looseObject({ type: z.literal("custom"), custom: z.looseObject({ name: functionName }) }),
  ],
  {
    error: 'expected a tool {"type": "function", "function": {"name": …}}',
  },
);

const responseFormat = z.discriminatedUnion(
  "type",
  [
    z.looseObject({ type: z.literal("text") }),
    z.looseObject({ type: z.literal("json_object") }),
    z.looseObject({
      type: z.literal("json_schema"),
      json_schema: z.looseObject({
        name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "schema names are 1 to 64 letters, digits, underscores or dashes"),
        description: z.string().optional(),
        schema: z.record(z.string(), z.unknown()).optional(),
        strict: z.boolean().nullish(),
      }),
    }),
  ],
  { error: 'expected {"type": "text"}, {"type": "json_object"} or {"type": "json_schema", "json_schema": {…}}' },
);

const maxTokens = z.number().int().min(1);

const chatCompletionRequestSchema = z
  .looseObject({
    ...sharedGenerationFields,
    messages: z.array(message).min(1),
    max_tokens: maxTokens.nullish(),
    max_completion_tokens: maxTokens.nullish(),
    logprobs: z.boolean().nullish(),
    top_logprobs: z.number().int().min(0).max(20).nullish(),
    metadata: z.record(z.string().max(64), z.string().max(512)).nullish(),
    store: z.boolean().nullish(),
    tools: z.array(tool).max(MAX_TOOLS).nullish(),
    tool_choice: z.union([z.enum(["none", "auto", "required"]), z.looseObject({ type: z.string() })]).nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    functions: z.array(functionDefinition).max(MAX_TOOLS).nullish(),
    function_call: z.union([z.enum(["none", "auto"]), z.looseObject({ name: z.string() })]).nullish(),
    response_format: responseFormat.nullish(),
  })
  .refine(...streamOptionsNeedStream)
  .refine((body) => body.logprobs === true || body.top_logprobs == null, {
    path: ["top_logprobs"],
    message: "top_logprobs needs logprobs set to true",
  });

type ChatBody = z.output<typeof chatCompletionRequestSchema>;
type Message = ChatBody["messages"][number];

const utf8 = new TextEncoder();

/** What the request asks of its model beyond text, naming the first parameter that asks it. */
function needsOf(body: ChatBody): CapabilityNeeds {
  let vision: string | null = null;
  let audioIn: string | null = null;
  let toolHistory: string | null = null;
  body.messages.forEach((message, index) => {
    if (message.role === "tool" || message.role === "function") toolHistory ??= `messages[${index}]`;
    if (message.role === "assistant" && (message.tool_calls?.length || message.function_call)) toolHistory ??= `messages[${index}].tool_calls`;
    if (Array.isArray(message.content)) {
      message.content.forEach((part, partIndex) => {
        if (part.type === "image_url") vision ??= `messages[${index}].content[${partIndex}]`;
        if (part.type === "input_audio" || part.type === "file") audioIn ??= `messages[${index}].content[${partIndex}]`;
      });
    }
  });
  const tools = body.tools?.length
    ? "tools"
    : body.functions?.length
      ? "functions"
      : body.tool_choice != null && body.tool_choice !== "none"
        ? "tool_choice"
        : toolHistory;
  const json = body.response_format && body.response_format.type !== "text" ? "response_format" : null;
  return { tools, json, vision, audioIn, logprobs: body.logprobs === true ? "logprobs" : null, n: body.n ?? 1 };
}

function textOf(content: Message["content"]): string {
  if (content == null) return "";
  if (typeof content === "string") return content;
  return content.map((part) => (part.type === "text" ? part.text : part.type === "refusal" ? part.refusal : "")).join("\n");
}

/** The UTF-8 size of everything in the request a tokenizer reads, media aside, and the media. */
function promptSize(body: ChatBody): { promptBytes: number; images: number; audioBytes: number } {
  let bytes = 0;
  let images = 0;
  let audioBytes = 0;
  for (const message of body.messages) {
    if (Array.isArray(message.content)) {
      for (const part of message.content) {
        if (part.type === "image_url") images += 1;
        else if (part.type === "input_audio") audioBytes += Math.ceil((part.input_audio.data.length * 3) / 4);
        else if (part.type === "file") bytes += utf8.encode(JSON.stringify(part.file)).length;
        else bytes += utf8.encode(part.type === "text" ? part.text : part.refusal).length;
      }
    } else if (typeof message.content === "string") bytes += utf8.encode(message.content).length;
    if (message.role === "assistant" && message.tool_calls) bytes += utf8.encode(JSON.stringify(message.tool_calls)).length;
    if ("name" in message && typeof message.name === "string") bytes += utf8.encode(message.name).length;
  }
  for (const extra of [body.tools, body.functions, body.response_format, body.tool_choice]) {
    if (extra != null) bytes += utf8.encode(JSON.stringify(extra)).length;
  }
  if (images > MAX_IMAGES) images = MAX_IMAGES;
  return { promptBytes: bytes, images, audioBytes };
}

/** Throws a 400 DomainError naming the parameter for a request that is malformed. */
export function parseChatCompletionRequest(input: unknown): ParsedGeneration {
  const body = parseRequest(chatCompletionRequestSchema, input);
  const messages: ChatMessage[] = body.messages.flatMap((message): ChatMessage[] => {
    if (message.role === "tool" || message.role === "function") return [];
    const name = "name" in message && typeof message.name === "string" ? message.name : undefined;
    return [{ role: message.role as ChatRole, content: textOf(message.content), ...(name ? { name } : {}) }];
  });
  const maxTokensParam = body.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens";
  return {
    model: body.model,
    includeUsage: body.stream_options?.include_usage === true,
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? null,
    maxTokensParam,
    choices: body.n ?? 1,
    needs: needsOf(body),
    ...promptSize(body),
    request: {
      kind: "chat",
      body: body as Record<string, unknown>,
      stream: body.stream === true,
      params: {
        messages,
        maxTokens: body.max_completion_tokens ?? body.max_tokens ?? null,
        temperature: body.temperature ?? undefined,
        topP: body.top_p ?? undefined,
        seed: body.seed ?? undefined,
        stop: stopSequences(body.stop),
      },
    },
  };
}
