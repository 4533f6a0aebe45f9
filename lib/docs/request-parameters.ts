// The rows of an endpoint's parameter table, read from the request schema of its operation in the
// OpenAPI document (lib/openapi/ecolink-openapi.ts) when the page renders: name, a short type,
// whether it is required, the default and the first paragraph of its description. Follows $ref and
// merges allOf the way OpenAI's spec composes its requests.
import "server-only";
import type { JsonSchema, OpenAPIDocument, OpenAPIOperation } from "@/lib/openapi/ecolink-openapi";

export interface ParameterRow {
  name: string;
  /** "path" parameters are part of the URL; "body" ones are fields of the request body. */
  in: "path" | "query" | "body";
  type: string;
  required: boolean;
  deprecated: boolean;
  defaultValue: string | null;
  description: string;
}

export interface RequestParameters {
  /** The request body's media type, e.g. "application/json"; null for a request without one. */
  contentType: string | null;
  rows: ParameterRow[];
}

const MAX_ENUM_VALUES = 8;
const MAX_DEPTH = 4;

function resolve(document: OpenAPIDocument, schema: JsonSchema): JsonSchema {
  let current = schema;
  for (let hops = 0; typeof current.$ref === "string" && hops < 10; hops++) {
    const name = current.$ref.replace("#/components/schemas/", "");
    const target = document.components.schemas[name];
    if (!target) throw new Error(`Unresolved $ref ${current.$ref} in the OpenAPI document`);
    // A $ref's siblings (description, nullable …) describe this use of the schema: they win.
    const { $ref: _ref, ...siblings } = current;
    current = { ...target, ...siblings };
  }
  return current;
}

/** The object's properties and required names, with allOf parts merged. */
function objectShape(document: OpenAPIDocument, schema: JsonSchema): { properties: Record<string, JsonSchema>; required: Set<string> } {
  const resolved = resolve(document, schema);
  const properties: Record<string, JsonSchema> = {};
  const required = new Set<string>();
  for (const part of (resolved.allOf as JsonSchema[] | undefined) ?? []) {
    const shape = objectShape(document, part);
    Object.assign(properties, shape.properties);
    for (const name of shape.required) required.add(name);
  }
  Object.assign(properties, (resolved.properties as Record<string, JsonSchema> | undefined) ?? {});
  for (const name of (resolved.required as string[] | undefined) ?? []) required.add(name);
  return { properties, required };
}

function isNull(schema: JsonSchema): boolean {
  return schema.type === "null";
}

/** A short type: "string", "integer", "array of string", `"auto" | "none"`, "object", … */
export function typeLabel(document: OpenAPIDocument, schema: JsonSchema, depth = 0): string {
  if (depth > MAX_DEPTH) return "object";
  const resolved = resolve(document, schema);
  const alternatives = (resolved.anyOf ?? resolved.oneOf) as JsonSchema[] | undefined;
  if (alternatives) {
    const labels = [...new Set(alternatives.filter((part) => !isNull(part)).map((part) => typeLabel(document, part, depth + 1)))];
    // "string or "gpt-4o" | "o3" …": OpenAI's own model names, beside any string, say nothing here.
    return (labels.includes("string") ? labels.filter((label) => !label.startsWith('"')) : labels).join(" or ");
  }
  if (Array.isArray(resolved.enum)) {
    const values = resolved.enum.filter((value) => value !== null);
    return values.length <= MAX_ENUM_VALUES ? values.map((value) => JSON.stringify(value)).join(" | ") : String(resolved.type ?? "string");
  }
  if (resolved.const !== undefined) return JSON.stringify(resolved.const);
  const type = Array.isArray(resolved.type) ? (resolved.type as string[]).filter((t) => t !== "null").join(" or ") : resolved.type;
  if (type === "array") return resolved.items ? `array of ${typeLabel(document, resolved.items as JsonSchema, depth + 1)}` : "array";
  if (resolved.format === "binary") return "file";
  if (typeof type === "string" && type) return type;
  if (resolved.allOf || resolved.properties) return "object";
  return "any";
}

/** The first paragraph, with Markdown links to OpenAI's own (relative) pages reduced to their text. */
export function shortDescription(text: unknown): string {
  if (typeof text !== "string") return "";
  const paragraph = text.trim().split(/\n\s*\n/)[0] ?? "";
  return paragraph
    .replace(/\s*\[Learn more\]\((?!https?:)[^)]*\)\.?/gi, "")
    .replace(/\[([^\]]+)\]\((?!https?:)[^)]*\)/g, "$1")
    .replace(/\s*\n\s*/g, " ")
    .trim();
}

/** A keyword of the schema, or of its first non-null alternative that has it (OpenAI nests many in anyOf). */
function keyword(document: OpenAPIDocument, schema: JsonSchema, name: string): unknown {
  if (schema[name] !== undefined) return schema[name];
  const alternatives = ((schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined) ?? [];
  for (const part of alternatives) {
    const value = isNull(part) ? undefined : resolve(document, part)[name];
    if (value !== undefined) return value;
  }
  return undefined;
}

function bodyRows(document: OpenAPIDocument, schema: JsonSchema): ParameterRow[] {
  const { properties, required } = objectShape(document, schema);
  return Object.entries(properties).map(([name, property]) => {
    const resolved = resolve(document, property);
    return {
      name,
      in: "body",
      type: typeLabel(document, property),
      required: required.has(name),
      deprecated: keyword(document, resolved, "deprecated") === true,
      defaultValue: keyword(document, resolved, "default") === undefined ? null : JSON.stringify(keyword(document, resolved, "default")),
      description: shortDescription(property.description ?? keyword(document, resolved, "description")),
    };
  });
}

function operationOf(document: OpenAPIDocument, method: string, path: string): OpenAPIOperation {
  const operation = document.paths[path]?.[method];
  if (!operation) throw new Error(`The OpenAPI document has no ${method.toUpperCase()} ${path}`);
  return operation;
}

/** Required parameters first, then the rest, each in the spec's order. */
export function requestParameters(document: OpenAPIDocument, method: string, path: string): RequestParameters {
  const operation = operationOf(document, method, path);
  const urlRows: ParameterRow[] = (operation.parameters ?? []).map((parameter) => ({
    name: parameter.name,
    in: parameter.in === "path" ? "path" : "query",
    type: parameter.schema ? typeLabel(document, parameter.schema) : "string",
    required: parameter.required === true,
    deprecated: false,
    defaultValue: null,
    description: shortDescription(parameter.description),
  }));
  const [contentType, media] = Object.entries(operation.requestBody?.content ?? {})[0] ?? [null, null];
  const rows = [...urlRows, ...(media ? bodyRows(document, media.schema) : [])];
  return { contentType, rows: [...rows.filter((row) => row.required), ...rows.filter((row) => !row.required)] };
}

/** The error statuses the operation documents (400 and up), ascending. */
export function errorStatuses(document: OpenAPIDocument, method: string, path: string): number[] {
  return Object.keys(operationOf(document, method, path).responses)
    .map(Number)
    .filter((status) => status >= 400)
    .sort((a, b) => a - b);
}
