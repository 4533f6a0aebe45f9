// Usage for a generation whose backend reported none (it could not, or the caller hung up before
// it did): the prompt and the output counted here with the model's tokenizer (lib/inference/
// token-count.ts: Llama 3's own, an o200k approximation for other families). The request log
// marks such requests (usageCounted), so the charge can be told from one the backend measured.
import "server-only";
import type { ParsedGeneration } from "@/lib/inference/generation-request";
import { typicalPromptTokens } from "@/lib/inference/pricing";
import type { RegisteredModel } from "@/lib/inference/registry";
import { countChatPromptTokens, countTokens, type TokenizerName, tokenizerFor } from "@/lib/inference/token-count";

/** Never fails: a tokenizer that can't load falls back to the size-based guess, so settling never waits on it. */
const utf8 = new TextEncoder();

/** The tokenizer a model's usage is counted with: by the name its server knows it by, else by ours. */
export function tokenizerOf(model: RegisteredModel): TokenizerName {
  return tokenizerFor(model.upstream?.endpoints[0].upstreamModel ?? model.id);
}

export async function countPromptTokens(model: RegisteredModel, parsed: ParsedGeneration): Promise<number> {
  return countPromptWithTokenizer(model, parsed).catch((error: unknown) => {
    console.error(`Could not count the prompt of a ${model.id} request with its tokenizer; billing a size-based estimate:`, error);
    return typicalPromptTokens(parsed.promptBytes);
  });
}

async function countPromptWithTokenizer(model: RegisteredModel, parsed: ParsedGeneration): Promise<number> {
  const tokenizer = tokenizerOf(model);
  const { body, params, kind } = parsed.request;
  if (kind === "completion") {
    const prompts = Array.isArray(body.prompt) ? (body.prompt as unknown[]) : [body.prompt];
    let tokens = 0;
    for (const prompt of prompts) tokens += typeof prompt === "string" ? await countTokens(tokenizer, prompt) : Array.isArray(prompt) ? prompt.length : 1;
    return tokens;
  }
  // Tool definitions and schemas reach the model as text its template adds; media by the model's rule.
  const extras = [body.tools, body.functions, body.response_format].filter((extra) => extra != null).map((extra) => JSON.stringify(extra));
  const extraTokens = extras.length ? await countTokens(tokenizer, extras.join("\n")) : 0;
  return (await countChatPromptTokens(tokenizer, params.messages)) + extraTokens + parsed.images * model.capabilities.imageInputTokens;
}

export function countOutputTokens(model: RegisteredModel, text: string): Promise<number> {
  return countTokens(tokenizerOf(model), text).catch((error: unknown) => {
    console.error(`Could not count the output of a ${model.id} request with its tokenizer; billing a size-based estimate:`, error);
    return typicalPromptTokens(utf8.encode(text).length);
  });
}
