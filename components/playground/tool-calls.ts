// Tool calls as a streamed reply delivers them: each chunk carries pieces of one or more calls,
// keyed by the call's index. The first piece of a call names it (id, function name); later pieces
// append to its JSON arguments. The gateway relays upstream deltas unchanged; servers (OpenAI, vLLM)
// send the name whole, once, so the first name seen is kept.
import type { ChatToolCall } from "@/components/code-samples/request-code";

export interface ToolCallDelta {
  index: number;
  id: string | null;
  name: string | null;
  arguments: string | null;
}

/**
 * The calls so far with one more piece added (a new array; `calls` is left as it was). It stays
 * indexed by the stream's index, so pieces of a later call may arrive first; finishedToolCalls
 * closes the gaps.
 */
export function appendToolCallDelta(calls: readonly ChatToolCall[], delta: ToolCallDelta): ChatToolCall[] {
  const next = [...calls];
  const current = next[delta.index] ?? { id: "", type: "function" as const, function: { name: "", arguments: "" } };
  next[delta.index] = {
    id: delta.id || current.id,
    type: "function",
    function: {
      name: current.function.name || delta.name || "",
      arguments: current.function.arguments + (delta.arguments ?? ""),
    },
  };
  return next;
}

/** The calls of a finished reply, in index order, without gaps or nameless fragments. */
export function finishedToolCalls(calls: readonly (ChatToolCall | undefined)[]): ChatToolCall[] {
  // A server that leaves out the id still needs one: the tool's result message refers to it.
  return calls.flatMap((call, index) => (call?.function.name ? [{ ...call, id: call.id || `call_${index}` }] : []));
}

/** A call's arguments for reading: indented JSON when they parse, else the text as it came. */
export function prettyArguments(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
