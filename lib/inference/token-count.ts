// Counts tokens the way a model's own tokenizer does, offline: for billing when an upstream reports
// no usage, and for embeddings billed locally. Two vocabularies ship inside npm packages (nothing
// is downloaded at runtime): Llama 3's 128k BPE (llama3-tokenizer-js), used by every Llama 3.x
// model, and OpenAI's o200k_base (gpt-tokenizer), used for every other model as a documented
// APPROXIMATION — other model families have their own vocabularies, and o200k is a modern 200k
// BPE whose counts land close to theirs, not equal. Each vocabulary is several megabytes and
// takes a moment to decode, so it is imported on first use only; the gateway's hot path, when
// upstreams report usage, never loads either.
import "server-only";

export type TokenizerName = "llama3" | "o200k";

/** A chat message as the template sees it: plain text content. */
export interface CountedChatMessage {
  role: string;
  content: string;
}

interface Tokenizer {
  count(text: string): number;
  /** Tokens of the prompt the model's chat template renders, generation prompt included. */
  countChat(messages: readonly CountedChatMessage[]): number;
}

const loading = new Map<TokenizerName, Promise<Tokenizer>>();

/** The tokenizer of a model, by its id or upstream model name: Llama 3.x → llama3, else o200k (an approximation). */
export function tokenizerFor(model: string): TokenizerName {
  // meta-llama/Llama-3.1-8B-Instruct, llama-3.3-70b-versatile, llama3.2:3b, Meta-Llama-3-8B.
  return /llama[-_ .]?3(\b|[._:-])/i.test(model) ? "llama3" : "o200k";
}

/** Tokens in `text`, without any start/end-of-text tokens. */
export async function countTokens(tokenizer: TokenizerName, text: string): Promise<number> {
  return (await loadTokenizer(tokenizer)).count(text);
}

/**
 * Tokens of the prompt a chat model sees for `messages`, template included, up to where the reply
 * starts. llama3: the Llama 3.1/3.2/3.3 chat template (begin-of-text, a system turn that always
 * carries its "Cutting Knowledge Date … Today Date: 26 Jul 2024" preamble, one header + content +
 * end-of-turn per message, the assistant header), rendered and tokenized whole as the inference
 * server does; tools are not modelled. o200k: OpenAI's documented count for its chat models, 3
 * tokens per message plus its role and content, plus 3 that prime the reply.
 */
export async function countChatPromptTokens(tokenizer: TokenizerName, messages: readonly CountedChatMessage[]): Promise<number> {
  return (await loadTokenizer(tokenizer)).countChat(messages);
}

function loadTokenizer(name: TokenizerName): Promise<Tokenizer> {
  let tokenizer = loading.get(name);
  if (!tokenizer) {
    tokenizer = name === "llama3" ? loadLlama3() : loadO200k();
    // A failed import is retried on the next call rather than cached.
    tokenizer.catch(() => loading.delete(name));
    loading.set(name, tokenizer);
  }
  return tokenizer;
}

async function loadLlama3(): Promise<Tokenizer> {
  const { default: llama3 } = await import("llama3-tokenizer-js");
  // The library parses special tokens written in the text (<|eot_id|>) as the special tokens,
  // as the inference server does when it tokenizes a rendered template.
  const count = (text: string) => llama3.encode(text, { bos: false, eos: false }).length;
  return { count, countChat: (messages) => count(renderLlama31Prompt(messages)) };
}

async function loadO200k(): Promise<Tokenizer> {
  const o200k = await import("gpt-tokenizer/encoding/o200k_base");
  // Text that looks like a special token (<|endoftext|>) is counted as the text it is, as OpenAI's
  // API does with user content; by default the library throws on it.
  const count = (text: string) => o200k.countTokens(text, { disallowedSpecial: new Set() });
  return {
    count,
    countChat: (messages) => messages.reduce((total, { role, content }) => total + 3 + count(role) + count(content), 3),
  };
}

const LLAMA_31_DEFAULT_DATE = "26 Jul 2024";

/** Llama 3.1's chat template (tokenizer_config.json) without tools, with the generation prompt. */
function renderLlama31Prompt(messages: readonly CountedChatMessage[]): string {
  const [first, ...rest] = messages;
  const hasSystem = first?.role === "system";
  const system = hasSystem ? first.content.trim() : "";
  const turns = hasSystem ? rest : messages;
  const header = (role: string) => `<|start_header_id|>${role}<|end_header_id|>\n\n`;
  return (
    "<|begin_of_text|>" +
    header("system") +
    `Cutting Knowledge Date: December 2023\nToday Date: ${LLAMA_31_DEFAULT_DATE}\n\n${system}<|eot_id|>` +
    turns.map(({ role, content }) => `${header(role)}${content.trim()}<|eot_id|>`).join("") +
    header("assistant")
  );
}
