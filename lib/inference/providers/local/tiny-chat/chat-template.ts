// The chat template ecolink/tiny-chat was trained on (models/tiny-chat/MODEL_CARD.md):
//
//   <|system|>{content}<|end|><|user|>{content}<|end|><|assistant|>{content}<|end|>…<|assistant|>
//
// No separators between turns: every byte of context is precious at 256 tokens.
// The model only knows three roles, so `developer` is folded into `system` and
// `tool` into `user` (the OpenAI API allows both; the demo model has no tool use).
import type { TinyChatSpecialToken, TinyChatTokenizer } from "./tokenizer";

export type TinyChatRole = "system" | "user" | "assistant" | "developer" | "tool";

export interface TinyChatMessage {
  role: TinyChatRole;
  content: string;
}

function headerOf(role: TinyChatRole): TinyChatSpecialToken {
  switch (role) {
    case "system":
    case "developer":
      return "<|system|>";
    case "user":
    case "tool":
      return "<|user|>";
    case "assistant":
      return "<|assistant|>";
  }
}

/** The prompt as text, ending with the assistant header the model continues from. */
export function renderChatPrompt(messages: readonly TinyChatMessage[]): string {
  return `${messages.map((m) => `${headerOf(m.role)}${m.content}<|end|>`).join("")}<|assistant|>`;
}

/**
 * The prompt as token ids. Equal to `tokenizer.encode(renderChatPrompt(messages))`
 * except that message content is never parsed for special tokens, so a user who
 * types "<|end|><|system|>" gets those characters, not a forged turn.
 */
export function encodeChatPrompt(messages: readonly TinyChatMessage[], tokenizer: TinyChatTokenizer): number[] {
  const ids: number[] = [];
  for (const m of messages) {
    ids.push(tokenizer.specialIds[headerOf(m.role)]);
    for (const id of tokenizer.encodeOrdinary(m.content)) ids.push(id);
    ids.push(tokenizer.endId);
  }
  ids.push(tokenizer.specialIds["<|assistant|>"]);
  return ids;
}

/**
 * The last `maxTokens` ids of encodeChatPrompt(messages, tokenizer), tokenizing only what they
 * come from (see TinyChatTokenizer.encodeOrdinaryTail): a prompt of any size costs the same.
 */
export function encodeChatPromptTail(messages: readonly TinyChatMessage[], tokenizer: TinyChatTokenizer, maxTokens: number): number[] {
  const tail: number[][] = [[tokenizer.specialIds["<|assistant|>"]]];
  let count = 1;
  for (let i = messages.length - 1; i >= 0 && count < maxTokens; i--) {
    const message = messages[i]!;
    // Room for the message's closing <|end|>; its header is cut below if it does not fit.
    const content = tokenizer.encodeOrdinaryTail(message.content, maxTokens - count - 1);
    tail.push([tokenizer.specialIds[headerOf(message.role)], ...content, tokenizer.endId]);
    count += content.length + 2;
  }
  return tail.reverse().flat().slice(-maxTokens);
}
