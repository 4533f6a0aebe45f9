// The OpenAPI document of this deployment's /v1 API, as GET /v1/openapi.json serves it and the
// /docs pages read it: the vendored cut of OpenAI's spec (lib/openapi/openai-subset.json, written
// by scripts/vendor-openapi.ts) plus what EcoLink adds, generated here from the code that
// defines it rather than copied: the /me endpoint (its Zod schema), the error answers (the mapping
// in lib/inference/openai-errors.ts, 402 for an exhausted credit), the rate-limit headers, and
// `cost` on usage objects. The servers entry is the deployment's own address, so it is added per
// request (ecoLinkOpenAPIFor).
import "server-only";
import { z } from "zod";
import { accountSummarySchema } from "@/lib/inference/account-summary";
import { INTERNAL_ERROR_MAPPING, OPENAI_ERROR_MAPPINGS, type Mapping } from "@/lib/inference/openai-errors";
import vendored from "@/lib/openapi/openai-subset.json";
import { SERVED_OPENAI_OPERATIONS } from "@/lib/openapi/served-operations";

export type JsonSchema = { [key: string]: unknown };

export interface OpenAPIOperation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: JsonSchema }[];
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, JsonSchema>;
}

export interface OpenAPIDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  "x-vendored-from": { url: string; file: string; infoVersion: string; sha256: string; date: string };
  servers?: { url: string; description?: string }[];
  security: Record<string, string[]>[];
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, OpenAPIOperation>>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, JsonSchema>;
    headers?: Record<string, JsonSchema>;
    securitySchemes: Record<string, JsonSchema>;
  };
}

/** The path of EcoLink's own account endpoint, relative to the API's base URL like OpenAI's paths. */
export const ME_PATH = "/me";

const ACCOUNT_SCHEMA = "EcoLinkAccount";
const ERROR_SCHEMA_REF = "#/components/schemas/ErrorResponse";

// Where OpenAI's usage objects are, within components.schemas: each gains EcoLink's `cost`.
const USAGE_OBJECTS: readonly (readonly string[])[] = [
  ["CompletionUsage"],
  ["CreateEmbeddingResponse", "properties", "usage"],
  ["TranscriptTextUsageDuration"],
  ["TranscriptTextUsageTokens"],
];

const COST_PROPERTY: JsonSchema = {
  type: "number",
  description:
    "EcoLink extension: the dollars charged for this request (from the ledger's nano-dollars). On a stream, in the " +
    "final usage chunk. The exact decimal is in the console's request log.",
};

const RATE_LIMIT_HEADERS: Record<string, JsonSchema> = {
  "x-request-id": { description: "This request's id, as the console's request log shows it.", schema: { type: "string" } },
  "x-ratelimit-limit-requests": {
    description: "Requests per minute allowed for this API key (or, when it is closer to refusing, its account).",
    schema: { type: "integer" },
  },
  "x-ratelimit-remaining-requests": { description: "Requests left in the current one-minute window.", schema: { type: "integer" } },
  "x-ratelimit-reset-requests": { description: 'Time until the window starts over, e.g. "12s" or "1m0s".', schema: { type: "string" } },
};
const HEADER_REFS = Object.fromEntries(Object.keys(RATE_LIMIT_HEADERS).map((name) => [name, { $ref: `#/components/headers/${name}` }]));

/** Every error answer, by status: the domain errors of the mapping and the 500 of anything else. */
export function errorMappingsByStatus(): Map<number, Mapping[]> {
  const byStatus = new Map<number, Mapping[]>();
  for (const mapping of [...Object.values(OPENAI_ERROR_MAPPINGS), INTERNAL_ERROR_MAPPING]) {
    const list = byStatus.get(mapping.status) ?? [];
    if (!list.some((known) => known.type === mapping.type && known.code === mapping.code)) list.push(mapping);
    byStatus.set(mapping.status, list);
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}

const STATUS_MEANING: Record<number, string> = {
  400: "The request is invalid: a parameter is missing, of the wrong type, or not supported by this model (param names it).",
  401: "No API key, or one that is unknown, revoked or expired.",
  402:
    "Out of credit, or this API key's spend limit is reached (OpenAI answers 429 insufficient_quota; EcoLink uses 402 " +
    "so that clients do not retry it as a rate limit).",
  404: "Unknown path or model.",
  409: "The request conflicts with the state of a resource.",
  413: "The request body is too large.",
  415: "The Content-Type is not the one this endpoint reads.",
  429: "Too many requests for this API key or account in the current minute; wait Retry-After seconds.",
  500: "An unexpected error on our side. Nothing is charged.",
  502: "The inference server answered with an error. Nothing is charged.",
  503:
    "The model's inference server cannot be reached, is not configured, or is busy, or EcoLink's database cannot be reached " +
    "(Retry-After may say when to try again). Nothing is charged.",
  504: "The inference server took too long. Nothing is charged.",
};

export function statusMeaning(status: number): string {
  return STATUS_MEANING[status] ?? "";
}

function errorResponses(): Record<string, JsonSchema> {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, mappings] of errorMappingsByStatus()) {
    const kinds = mappings.map((mapping) => `type \`${mapping.type}\`${mapping.code ? `, code \`${mapping.code}\`` : ""}`).join("; ");
    responses[`Error${status}`] = {
      description: `${statusMeaning(status)} (${kinds})`.trim(),
      headers:
        status === 429 || status === 503
          ? { ...HEADER_REFS, "Retry-After": { description: "Seconds to wait before retrying.", schema: { type: "integer", minimum: 1 } } }
          : HEADER_REFS,
      content: { "application/json": { schema: { $ref: ERROR_SCHEMA_REF } } },
    };
  }
  return responses;
}

/** The error statuses an operation can answer with. */
function errorStatusesOf(method: string, path: string, all: number[]): number[] {
  if (method === "post") return all.filter((status) => status !== 409);
  return all.filter((status) => [401, 429, 500].includes(status) || (status === 404 && path.includes("{")));
}

function withCost(schemas: Record<string, JsonSchema>): void {
  for (const [name, ...within] of USAGE_OBJECTS) {
    let node = schemas[name!] as JsonSchema | undefined;
    for (const key of within) node = node?.[key] as JsonSchema | undefined;
    const properties = node?.properties as Record<string, JsonSchema> | undefined;
    if (!properties)
      throw new Error(
        `The vendored OpenAI spec has no usage object at ${[name, ...within].join(".")}: re-run scripts/vendor-openapi.ts or update USAGE_OBJECTS`,
      );
    properties.cost = COST_PROPERTY;
  }
}

function accountJsonSchema(): JsonSchema {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(accountSummarySchema) as JsonSchema;
  return schema;
}

function build(): OpenAPIDocument {
  const document = structuredClone(vendored) as unknown as OpenAPIDocument;
  const { schemas } = document.components;
  withCost(schemas);
  schemas[ACCOUNT_SCHEMA] = accountJsonSchema();
  document.components.headers = RATE_LIMIT_HEADERS;
  const errors = errorResponses();
  Object.assign(document.components.responses, errors);
  const statuses = Object.keys(errors).map((name) => Number(name.slice("Error".length)));

  document.paths[ME_PATH] = {
    get: {
      operationId: "retrieveEcoLinkAccount",
      tags: ["EcoLink"],
      summary:
        "EcoLink's own endpoint (not OpenAI's): the credit of the API key's account and the key's limits. Free, and counted " +
        "against the rate limit like any request.",
      responses: {
        "200": { description: "OK", headers: HEADER_REFS, content: { "application/json": { schema: { $ref: `#/components/schemas/${ACCOUNT_SCHEMA}` } } } },
      },
    },
  };
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      for (const status of errorStatusesOf(method, path, statuses)) operation.responses[String(status)] = { $ref: `#/components/responses/Error${status}` };
      const ok = operation.responses["200"];
      if (ok && !("$ref" in ok)) ok.headers = { ...(ok.headers as object | undefined), ...HEADER_REFS };
    }
  }
  document.tags.push({ name: "EcoLink", description: "EcoLink's own endpoints, beside OpenAI's." });
  document.info = {
    title: "EcoLink API",
    version: document.info.version,
    description:
      `The OpenAI-compatible API of this EcoLink deployment: the operations of OpenAI's API it serves (${Object.keys(SERVED_OPENAI_OPERATIONS).join(", ")}), ` +
      `as OpenAI's published spec (version ${document["x-vendored-from"].infoVersion}) describes them, plus EcoLink's ${ME_PATH}. ` +
      "Authenticate with an EcoLink API key (eco_…) as a Bearer token. Usage objects carry EcoLink's `cost` in dollars; out of credit is a 402.",
  };
  document.components.securitySchemes.ApiKeyAuth = {
    ...document.components.securitySchemes.ApiKeyAuth,
    description: "An EcoLink API key (eco_…), created in the console: `Authorization: Bearer eco_…`.",
  };
  return document;
}

let cached: OpenAPIDocument | undefined;

/** The document without servers, built once: what the /docs pages read. */
export function ecoLinkOpenAPI(): OpenAPIDocument {
  cached ??= build();
  return cached;
}

/** The document as GET /v1/openapi.json serves it: with this deployment's API address as its server. */
export function ecoLinkOpenAPIFor(origin: string): OpenAPIDocument {
  return { ...ecoLinkOpenAPI(), servers: [{ url: `${origin}/v1`, description: "This EcoLink deployment" }] };
}
