// The chat playground's JSON mode and function definitions, as typed (text in textareas) and as
// the request sends them. Kept apart from the UI so the rules are one place: a schema or a
// function's parameters must be a JSON object, a function name what the API accepts; both are
// only sent to models whose capabilities say they take them.
import type { ChatResponseFormat, ChatTool } from "@/components/code-samples/request-code";
import type { PlaygroundModel } from "./playground-model";

export type ResponseFormatChoice = "text" | "json_object" | "json_schema";

export interface FunctionDraft {
  /** Stable React key; never sent. */
  key: number;
  name: string;
  description: string;
  /** JSON Schema of the arguments, as typed. */
  parameters: string;
}

export interface StructuredSettings {
  responseFormat: ResponseFormatChoice;
  schemaName: string;
  /** JSON Schema, as typed. */
  schema: string;
  functions: FunctionDraft[];
}

export interface StructuredProblems {
  schemaName?: string;
  schema?: string;
  /** By FunctionDraft.key. */
  functions?: Record<number, { name?: string; parameters?: string }>;
}

export const EXAMPLE_SCHEMA = JSON.stringify(
  {
    type: "object",
    properties: { answer: { type: "string" }, confidence: { type: "number" } },
    required: ["answer", "confidence"],
    additionalProperties: false,
  },
  null,
  2,
);

const EXAMPLE_PARAMETERS = JSON.stringify({ type: "object", properties: { city: { type: "string", description: "City name" } }, required: ["city"] }, null, 2);

export function exampleFunction(key: number, taken: readonly FunctionDraft[]): FunctionDraft {
  const name = taken.some((draft) => draft.name === "get_weather") ? `function_${key}` : "get_weather";
  return { key, name, description: name === "get_weather" ? "The current weather in a city." : "", parameters: EXAMPLE_PARAMETERS };
}

/** The API's rule for function and schema names. */
const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** The text as a JSON object, or why it is not one (in words). */
function parseJsonObject(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `This is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, problem: "Write a JSON object ({ … })." };
  return { ok: true, value: value as Record<string, unknown> };
}

const supportsJson = (model: PlaygroundModel | undefined) => model?.capabilities.json === true;
const supportsTools = (model: PlaygroundModel | undefined) => model?.capabilities.tools === true;

export function structuredProblems(settings: StructuredSettings, model: PlaygroundModel | undefined): StructuredProblems {
  const problems: StructuredProblems = {};
  if (supportsJson(model) && settings.responseFormat === "json_schema") {
    if (!NAME.test(settings.schemaName)) problems.schemaName = "Use 1 to 64 letters, digits, underscores or dashes.";
    const schema = parseJsonObject(settings.schema);
    if (!schema.ok) problems.schema = schema.problem;
  }
  if (supportsTools(model)) {
    const functions: NonNullable<StructuredProblems["functions"]> = {};
    for (const draft of settings.functions) {
      const problem: { name?: string; parameters?: string } = {};
      if (!NAME.test(draft.name)) problem.name = "Use 1 to 64 letters, digits, underscores or dashes.";
      else if (settings.functions.some((other) => other.key !== draft.key && other.name === draft.name)) problem.name = "Another function has this name.";
      if (draft.parameters.trim()) {
        const parameters = parseJsonObject(draft.parameters);
        if (!parameters.ok) problem.parameters = parameters.problem;
      }
      if (problem.name || problem.parameters) functions[draft.key] = problem;
    }
    if (Object.keys(functions).length > 0) problems.functions = functions;
  }
  return problems;
}

/** The request's response_format, or undefined for plain text (or a model without JSON mode). */
export function responseFormatOf(settings: StructuredSettings, model: PlaygroundModel | undefined): ChatResponseFormat | undefined {
  if (!supportsJson(model) || settings.responseFormat === "text") return undefined;
  if (settings.responseFormat === "json_object") return { type: "json_object" };
  const schema = parseJsonObject(settings.schema);
  return schema.ok ? { type: "json_schema", json_schema: { name: settings.schemaName, schema: schema.value, strict: true } } : undefined;
}

/** The request's tools, or undefined when there are none (or the model cannot call them). */
export function toolsOf(settings: StructuredSettings, model: PlaygroundModel | undefined): ChatTool[] | undefined {
  if (!supportsTools(model) || settings.functions.length === 0) return undefined;
  return settings.functions.map((draft) => {
    const parameters = draft.parameters.trim() ? parseJsonObject(draft.parameters) : null;
    return {
      type: "function",
      function: {
        name: draft.name,
        ...(draft.description.trim() ? { description: draft.description.trim() } : {}),
        ...(parameters?.ok ? { parameters: parameters.value } : {}),
      },
    };
  });
}
