// Usage for a generation whose backend reported none (it could not, or the caller hung up before
// it did): the prompt and the output counted here. The request log marks such requests
// (usageCounted), so the charge can be told from one the backend measured.
import type { ParsedGeneration } from "@/lib/inference/generation-request";
import { typicalPromptTokens } from "@/lib/inference/pricing";
import type { RegisteredModel } from "@/lib/inference/registry";

const utf8 = new TextEncoder();

export function countPromptTokens(_model: RegisteredModel, parsed: ParsedGeneration): number {
  return typicalPromptTokens(parsed.promptBytes);
}

export function countOutputTokens(_model: RegisteredModel, text: string): number {
  return typicalPromptTokens(utf8.encode(text).length);
}
