// The request body of POST /v1/chat/completions (and the playground's chat), validated once here.
//
// Fields follow OpenAI's CreateChatCompletionRequest. Our policy for the ones we do not implement:
// - hints that cannot change the shape or meaning of the answer are accepted and ignored:
//   metadata, store, service_tier, user, safety_identifier, prompt_cache_key,
//   prompt_cache_retention, parallel_tool_calls, stream_options.include_obfuscation;
//   frequency_penalty and presence_penalty are forwarded to upstream servers (the local demo
//   model ignores them);
// - fields whose only accepted value is "off" are accepted with that value: n 1, logprobs false,
//   tool_choice/function_call "none", response_format {"type":"text"}, modalities ["text"],
//   logit_bias {} (and every field may be null, which means "unset");
// - fields that would make the answer something other than what was asked — tools, functions,
//   structured outputs, logprobs, several choices, audio, predictions, web search, reasoning
//   controls — are refused with a 400 naming the parameter, rather than silently ignored;
// - anything else is not an OpenAI field: 400 "Unrecognized request argument supplied".
import { z } from "zod";
import type { ChatMessage, ChatParams } from "@/lib/inference/providers/types";
import { noValueAccepted, onlyOff, parseRequest } from "@/lib/inference/request-fields";

const textPart = z.strictObject({ type: z.literal("text"), text: z.string() });

const content = z.union([z.string(), z.array(z.unknown()).min(1)]).transform((value, ctx) => {
  if (typeof value === "string") return value;
  const texts: string[] = [];
  value.forEach((part, index) => {
    const parsed = textPart.safeParse(part);
    if (parsed.success) {
      texts.push(parsed.data.text);
      return;
    }
    const type = (part as { type?: unknown } | null)?.type;
    ctx.addIssue({
      code: "custom",
      path: [index],
      message: typeof type === "string" && type !== "text" ? `content parts of type "${type}" are not supported; send text` : "expected a text part {\"type\": \"text\", \"text\": \"…\"}",
    });
  });
  return texts.join("\n");
});

const message = z.strictObject({
  role: z.enum(["system", "developer", "user", "assistant"], {
    error: "expected one of \"system\", \"developer\", \"user\", \"assistant\" (tool and function messages need tools, which are not supported)",
  }),
  content,
  name: z.string().max(256).optional(),
  // Clients echo an assistant message back as they received it.
  refusal: z.string().nullish(),
});

const emptyObject = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;

const maxTokens = z.number().int().min(1);

export const chatCompletionRequestSchema = z
  .strictObject({
    model: z.string().min(1),
    messages: z.array(message).min(1),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    max_tokens: maxTokens.nullish(),
    max_completion_tokens: maxTokens.nullish(),
    stop: z.union([z.string(), z.array(z.string()).max(4)], { error: "expected a string or an array of at most 4 strings" }).nullish(),
    n: z.number().int().min(1).max(1, { message: "only n = 1 is supported; send separate requests for several completions" }).nullish(),
    seed: z.number().int().nullish(),
    stream: z.boolean().nullish(),
    stream_options: z.strictObject({ include_usage: z.boolean().nullish(), include_obfuscation: z.boolean().nullish() }).nullish(),
    frequency_penalty: z.number().min(-2).max(2).nullish(),
    presence_penalty: z.number().min(-2).max(2).nullish(),
    user: z.string().nullish(),
    metadata: z.record(z.string(), z.string()).nullish(),
    store: z.boolean().nullish(),
    service_tier: z.string().nullish(),
    safety_identifier: z.string().nullish(),
    prompt_cache_key: z.string().nullish(),
    prompt_cache_retention: z.string().nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    logprobs: onlyOff((v) => v === false, "log probabilities are not supported"),
    top_logprobs: onlyOff(noValueAccepted, "log probabilities are not supported"),
    logit_bias: onlyOff(emptyObject, "logit_bias is not supported"),
    tools: onlyOff((v) => Array.isArray(v) && v.length === 0, "tool calling is not supported"),
    tool_choice: onlyOff((v) => v === "none", "tool calling is not supported"),
    functions: onlyOff((v) => Array.isArray(v) && v.length === 0, "function calling is not supported"),
    function_call: onlyOff((v) => v === "none", "function calling is not supported"),
    response_format: onlyOff((v) => emptyObject(v) || (v as { type?: unknown }).type === "text", "only {\"type\": \"text\"} is supported; JSON mode and structured outputs are not"),
    modalities: onlyOff((v) => Array.isArray(v) && v.every((m) => m === "text"), "only the \"text\" modality is supported"),
    audio: onlyOff(noValueAccepted, "audio output is not supported"),
    prediction: onlyOff(noValueAccepted, "predicted outputs are not supported"),
    web_search_options: onlyOff(noValueAccepted, "web search is not supported"),
    reasoning_effort: onlyOff(noValueAccepted, "reasoning controls are not supported by these models"),
    verbosity: onlyOff(noValueAccepted, "verbosity is not supported by these models"),
  })
  .refine((body) => body.stream === true || body.stream_options == null, {
    path: ["stream_options"],
    message: "stream_options is only allowed when stream is true",
  });

export interface ChatCompletionRequest {
  model: string;
  params: ChatParams;
  stream: boolean;
  includeUsage: boolean;
}

/** Throws a 400 DomainError naming the parameter for anything OpenAI would not accept from us. */
export function parseChatCompletionRequest(body: unknown): ChatCompletionRequest {
  const request = parseRequest(chatCompletionRequestSchema, body);
  const messages: ChatMessage[] = request.messages.map(({ role, content, name }) => (name ? { role, content, name } : { role, content }));
  const stop = request.stop == null ? undefined : (Array.isArray(request.stop) ? request.stop : [request.stop]).filter((s) => s.length > 0);
  return {
    model: request.model,
    stream: request.stream === true,
    includeUsage: request.stream_options?.include_usage === true,
    params: {
      messages,
      maxTokens: request.max_completion_tokens ?? request.max_tokens ?? null,
      temperature: request.temperature ?? undefined,
      topP: request.top_p ?? undefined,
      seed: request.seed ?? undefined,
      stop: stop?.length ? stop : undefined,
      frequencyPenalty: request.frequency_penalty ?? undefined,
      presencePenalty: request.presence_penalty ?? undefined,
    },
  };
}
