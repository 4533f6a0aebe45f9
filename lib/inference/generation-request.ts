// What the gateway core needs to know of a text generation request, chat or legacy completion,
// once its body is validated (chat-request.ts, completion-request.ts): what to forward, what the
// model must support, and the cheap facts its hold is priced from.
import type { CapabilityNeeds } from "@/lib/inference/capabilities";
import type { GenerationRequest } from "@/lib/inference/providers/types";

export interface ParsedGeneration {
  /** Our model id, as the client named it. */
  model: string;
  request: GenerationRequest;
  /** The client asked for the usage chunk at the end of its stream. */
  includeUsage: boolean;
  /** Output tokens per choice the client allows; null: as many as the model allows. */
  maxTokens: number | null;
  /** Which parameter set maxTokens, for the error when it is too large. */
  maxTokensParam: string;
  /** How many choices the backend generates (n, or prompts × best_of for completions). */
  choices: number;
  needs: CapabilityNeeds;
  /** UTF-8 bytes of the text a tokenizer reads (messages, tool definitions, schemas). */
  promptBytes: number;
  images: number;
  /** Decoded bytes of input_audio parts. */
  audioBytes: number;
}
