// Validates response bodies against OpenAI's published OpenAPI spec — the part of it this
// deployment serves, vendored in lib/openapi/openai-subset.json (scripts/vendor-openapi.ts), the
// same copy GET /v1/openapi.json serves — so the tests hold our
// /v1 answers to the same schemas the OpenAI SDKs are generated from. The spec mixes OpenAPI 3.0's `nullable` into 3.1 schemas; `nullable: true`
// becomes "this schema, or null". Vendor keywords (x-oaiMeta …) and OpenAPI-only formats
// (unixtime, double …) are ignored.
import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { VENDORED_OPENAI_SPEC_PATH } from "@/lib/openapi/served-operations";

const repoRoot = path.resolve(__dirname, "../..");
const specPath = path.resolve(repoRoot, VENDORED_OPENAI_SPEC_PATH);
const SPEC_ID = "openai-openapi.json";
const KNOWN_FORMATS = new Set([
  "date",
  "time",
  "date-time",
  "duration",
  "uri",
  "uri-reference",
  "uri-template",
  "url",
  "email",
  "hostname",
  "ipv4",
  "ipv6",
  "regex",
  "uuid",
  "json-pointer",
  "relative-json-pointer",
  "byte",
  "int32",
  "int64",
  "float",
  "double",
  "password",
  "binary",
]);

type Json = unknown;

function convert(node: Json, formats: Set<string>): Json {
  if (Array.isArray(node)) return node.map((item) => convert(item, formats));
  if (!node || typeof node !== "object") return node;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node)) {
    if (
      (key === "nullable" && typeof value === "boolean") ||
      (key === "discriminator" && (value as { propertyName?: unknown })?.propertyName) ||
      key.startsWith("x-")
    )
      continue;
    out[key] = convert(value, formats);
    if (key === "format" && typeof value === "string") formats.add(value);
  }
  if ((node as { nullable?: unknown }).nullable === true) return { anyOf: [out, { type: "null" }] };
  return out;
}

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function instance(): Ajv {
  if (ajv) return ajv;
  const spec = JSON.parse(readFileSync(specPath, "utf8")) as { components: { schemas: Record<string, Json> } };
  const formats = new Set<string>();
  const schemas = convert(spec.components.schemas, formats);
  ajv = new Ajv({ strict: false, allErrors: true, allowUnionTypes: true, validateSchema: false });
  addFormats(ajv);
  for (const format of formats) if (!ajv.formats[format] && !KNOWN_FORMATS.has(format)) ajv.addFormat(format, true);
  for (const format of ["int32", "int64", "float", "double", "byte", "binary", "password"]) if (!ajv.formats[format]) ajv.addFormat(format, true);
  ajv.addSchema({ $id: SPEC_ID, components: { schemas } });
  return ajv;
}

/** The validator of one component, e.g. "CreateChatCompletionResponse". */
function validatorFor(component: string): ValidateFunction {
  let validate = compiled.get(component);
  if (!validate) {
    validate = instance().getSchema(`${SPEC_ID}#/components/schemas/${component}`);
    if (!validate) throw new Error(`No schema ${component} in the OpenAI spec`);
    compiled.set(component, validate);
  }
  return validate;
}

/** The components the tests validate against; test/unit/openapi-validator.test.ts checks the vendored spec has them all. */
export const OPENAI_COMPONENTS = [
  "CreateChatCompletionResponse",
  "CreateChatCompletionStreamResponse",
  "CreateCompletionResponse",
  "ImagesResponse",
  "CreateTranscriptionResponseJson",
  "CreateTranscriptionResponseVerboseJson",
  "CreateTranslationResponseJson",
  "CreateTranslationResponseVerboseJson",
  "CreateEmbeddingResponse",
  "ListModelsResponse",
  "Model",
  "ErrorResponse",
] as const;

export type OpenAIComponent = (typeof OPENAI_COMPONENTS)[number];

/** The problems with `body` as an instance of `component`; empty when it is valid. */
export function openAIViolations(component: OpenAIComponent, body: unknown): string[] {
  const validate = validatorFor(component);
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "(root)"} ${e.message ?? ""} ${JSON.stringify(e.params)}`);
}

/** Throws, listing the problems, unless `body` is a valid `component`. */
export function assertOpenAIShape(component: OpenAIComponent, body: unknown): void {
  const problems = openAIViolations(component, body);
  if (problems.length) throw new Error(`Not a valid ${component}:\n  ${problems.join("\n  ")}\nBody: ${JSON.stringify(body).slice(0, 2000)}`);
}

/**
 * A legacy completion chunk against OpenAI's schema. The spec shares one schema between
 * completions and their chunks, which has neither the null finish_reason of every chunk but the
 * last nor the `usage: null` of every chunk but the usage chunk, both of which OpenAI's own streams
 * send (its API reference says so of stream_options.include_usage): those two nulls are left out.
 */
export function assertCompletionChunk(chunk: { object?: unknown; usage?: unknown; choices: { finish_reason?: unknown }[] }): void {
  if (chunk.object !== "text_completion") throw new Error(`Not a text_completion chunk: ${JSON.stringify(chunk).slice(0, 500)}`);
  const { usage, ...rest } = chunk;
  assertOpenAIShape("CreateCompletionResponse", {
    ...rest,
    ...(usage != null && { usage }),
    choices: chunk.choices.map((c) => ({ ...c, finish_reason: c.finish_reason ?? "stop" })),
  });
}
