// The model registry: the Model table (seeded from prisma/models.json) joined with this
// deployment's configuration, i.e. where each upstream model runs (MODEL_UPSTREAMS or the row's
// baseUrl, or a pool of endpoints) and whether each local engine can run on this machine. Read on every API request, so
// it is cached in-process for a few seconds; a model id the cache does not know is looked up
// afresh, so a newly added model serves at once.
import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import { env, namedSecret } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import type { ModelKind } from "@/lib/generated/prisma/enums";
import { capabilitiesSchema, NO_CAPABILITIES, type ModelCapabilities } from "@/lib/inference/capabilities";
import { localConfigSchema, parseImageSize, upstreamConfigSchema, type LocalConfig, type UpstreamConfig } from "@/lib/inference/model-config";
import { localEngineAvailability } from "@/lib/inference/providers/local";

const CACHE_TTL_MS = 5_000;

export interface ModelPrices {
  /** Nano-dollars per 1M prompt tokens. */
  inputPerMillion: bigint;
  /** Nano-dollars per 1M completion tokens. */
  outputPerMillion: bigint;
  /** Nano-dollars per image, by "WIDTHxHEIGHT"; the sizes the model can make. */
  perImage: ReadonlyMap<string, bigint>;
  /** Nano-dollars per minute of audio. */
  perAudioMinute: bigint;
  /** Nano-dollars per 1M input characters (speech synthesis). */
  perMillionCharacters: bigint;
}

/** One inference server of a model's pool, as requests are sent to it. */
export interface UpstreamEndpoint {
  /** Unique within the model; what metrics, logs and the request log call it (never its key). */
  name: string;
  baseUrl: string;
  /** The model's name on that server. */
  upstreamModel: string;
  apiKey: string | undefined;
  weight: number;
  /** Requests it takes at once; Infinity when unlimited. */
  maxConcurrent: number;
}

/** Where an upstream model runs: its pool of endpoints (lib/inference/upstream-pool.ts routes among them), never empty. */
export interface ResolvedUpstream {
  endpoints: readonly [UpstreamEndpoint, ...UpstreamEndpoint[]];
}

export type Availability = { available: true } | { available: false; reason: string };

export interface RegisteredModel {
  id: string;
  kind: ModelKind;
  displayName: string;
  description: string;
  ownedBy: string;
  contextLength: number | null;
  prices: ModelPrices;
  capabilities: ModelCapabilities;
  provider: "upstream" | "local";
  /** Set for an available upstream model. */
  upstream: ResolvedUpstream | null;
  /** Set for a local model. */
  local: LocalConfig | null;
  isDemo: boolean;
  createdAt: Date;
  availability: Availability;
}

const imagePricesSchema = z.record(
  z.string(),
  z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform((v) => BigInt(v)),
);

type ModelRow = Awaited<ReturnType<typeof db.model.findMany>>[number];

function resolve(row: ModelRow): RegisteredModel {
  const perImage = new Map<string, bigint>();
  const images = imagePricesSchema.safeParse(row.imagePrices ?? {});
  if (images.success) {
    for (const [size, price] of Object.entries(images.data)) if (parseImageSize(size)) perImage.set(size, price);
  }
  const capabilities = capabilitiesSchema.safeParse(row.capabilities ?? {});
  const base = {
    id: row.id,
    kind: row.kind,
    displayName: row.displayName,
    description: row.description,
    ownedBy: row.ownedBy,
    contextLength: row.contextLength,
    prices: {
      inputPerMillion: row.inputPrice,
      outputPerMillion: row.outputPrice,
      perImage,
      perAudioMinute: row.audioMinutePrice,
      perMillionCharacters: row.characterPrice,
    },
    capabilities: capabilities.success ? capabilities.data : NO_CAPABILITIES,
    isDemo: row.isDemo,
    createdAt: row.createdAt,
  };
  const misconfigured = (reason: string): RegisteredModel => ({
    ...base,
    provider: row.provider === "local" ? "local" : "upstream",
    upstream: null,
    local: null,
    availability: { available: false, reason },
  });
  if (!images.success) return misconfigured("Its image prices are malformed.");
  if (!capabilities.success) return misconfigured("Its capabilities are malformed.");

  if (row.provider === "local") {
    const config = localConfigSchema.safeParse(row.providerConfig);
    if (!config.success) return misconfigured("Its local engine is not one this server has.");
    return { ...base, provider: "local", upstream: null, local: config.data, availability: localEngineAvailability(config.data.engine) };
  }
  if (row.provider !== "upstream") return misconfigured(`Provider "${row.provider}" is unknown.`);
  const config = upstreamConfigSchema.safeParse(row.providerConfig);
  if (!config.success) return misconfigured("Its upstream configuration is malformed.");
  const endpoints = endpointsOf(row.id, config.data);
  if (endpoints.length === 0) {
    return {
      ...base,
      provider: "upstream",
      upstream: null,
      local: null,
      availability: { available: false, reason: "No inference server is configured for it." },
    };
  }
  return {
    ...base,
    provider: "upstream",
    upstream: { endpoints: endpoints as [UpstreamEndpoint, ...UpstreamEndpoint[]] },
    local: null,
    availability: { available: true },
  };
}

/**
 * A model's pool: MODEL_UPSTREAMS's entry for it when there is one, else the row's `endpoints`,
 * else its single `baseUrl` (none: not deployed here). Names default to the URL's host and are
 * made unique within the model.
 */
function endpointsOf(modelId: string, config: UpstreamConfig): UpstreamEndpoint[] {
  const override = env().MODEL_UPSTREAMS[modelId];
  const keyOf = (apiKeyEnv: string | undefined) => (apiKeyEnv ? namedSecret(apiKeyEnv) : undefined);
  const listed = override
    ? override.map((e) => ({ ...e, upstreamModel: e.upstreamModel ?? config.upstreamModel, apiKey: e.apiKey || keyOf(config.apiKeyEnv) }))
    : config.endpoints
      ? config.endpoints.map((e) => ({ ...e, upstreamModel: e.upstreamModel ?? config.upstreamModel, apiKey: keyOf(e.apiKeyEnv ?? config.apiKeyEnv) }))
      : config.baseUrl
        ? [{ baseUrl: config.baseUrl, upstreamModel: config.upstreamModel, apiKey: keyOf(config.apiKeyEnv) }]
        : [];
  const taken = new Set<string>();
  return listed.map((e) => {
    const wanted = ("name" in e && e.name) || new URL(e.baseUrl).host;
    let name = wanted;
    for (let n = 2; taken.has(name); n++) name = `${wanted}#${n}`;
    taken.add(name);
    return {
      name,
      baseUrl: e.baseUrl.replace(/\/+$/, ""),
      upstreamModel: e.upstreamModel,
      apiKey: e.apiKey,
      weight: ("weight" in e && e.weight) || 1,
      maxConcurrent: ("maxConcurrent" in e && e.maxConcurrent) || Infinity,
    };
  });
}

interface Snapshot {
  loadedAt: number;
  byId: Map<string, RegisteredModel>;
}

let snapshot: Snapshot | null = null;
let loading: Promise<Snapshot> | null = null;

function load(): Promise<Snapshot> {
  // Concurrent callers share one query instead of stampeding the database when the cache expires.
  loading ??= db.model
    .findMany({ where: { enabled: true }, orderBy: [{ isDemo: "asc" }, { kind: "asc" }, { id: "asc" }] })
    .then((rows) => {
      snapshot = { loadedAt: Date.now(), byId: new Map(rows.map((row) => [row.id, resolve(row)])) };
      return snapshot;
    })
    .finally(() => {
      loading = null;
    });
  return loading;
}

async function current(): Promise<Snapshot> {
  if (snapshot && Date.now() - snapshot.loadedAt < CACHE_TTL_MS) return snapshot;
  return load();
}

/** Every enabled model, available here or not (the console's catalog shows both). */
export async function listModels(): Promise<RegisteredModel[]> {
  return [...(await current()).byId.values()];
}

/** Models this deployment can serve right now: what GET /v1/models lists. */
export async function listAvailableModels(): Promise<RegisteredModel[]> {
  return (await listModels()).filter((model) => model.availability.available);
}

export async function findModel(id: string): Promise<RegisteredModel | null> {
  const cached = (await current()).byId.get(id);
  if (cached) return cached;
  return (await load()).byId.get(id) ?? null;
}

const ENDPOINT_OF_KIND: Record<ModelKind, string> = {
  CHAT: "/v1/chat/completions",
  IMAGE: "/v1/images/generations",
  TRANSCRIPTION: "/v1/audio/transcriptions",
  EMBEDDING: "/v1/embeddings",
  SPEECH: "/v1/audio/speech",
};

/** A model this deployment serves right now, or a 404 that says why not. */
export async function requireAvailableModel(id: string): Promise<RegisteredModel> {
  const model = await findModel(id);
  if (!model) throw new DomainError("model_not_found", `The model \`${id}\` does not exist. GET /v1/models lists the models you can use.`, { param: "model" });
  if (!model.availability.available) {
    throw new DomainError("model_not_found", `The model \`${id}\` is not available on this deployment: ${model.availability.reason}`, { param: "model" });
  }
  return model;
}

/** The model a request names, if this deployment serves it for that kind of request. */
export async function requireModel(id: string, kind: ModelKind): Promise<RegisteredModel> {
  const model = await requireAvailableModel(id);
  if (model.kind !== kind) {
    throw new DomainError("invalid_request", `The model \`${id}\` is not a ${kind.toLowerCase()} model; use it with ${ENDPOINT_OF_KIND[model.kind]}.`, {
      param: "model",
    });
  }
  return model;
}
