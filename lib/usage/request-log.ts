// The request log as the usage page shows it: filtered by model, key, status and UTC dates,
// paginated on the server, and exported as CSV with the same filters.
import "server-only";
import { z } from "zod";
import { nanosToDecimalString } from "@/lib/credits/money";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { RequestSource, RequestStatus } from "@/lib/generated/prisma/enums";
import { displayApiKey } from "@/lib/keys/key-format";
import type { CsvValue } from "./csv";

export const REQUEST_LOG_PAGE_SIZE = 50;
/** Filter value for requests made without an API key (the playground). */
export const NO_KEY_FILTER = "none";

const STATUSES = ["pending", "succeeded", "failed", "cancelled"] as const;
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)));

// Filters come from the URL, so a hand-edited value that doesn't parse is dropped, not an error page.
export const requestLogFiltersSchema = z.object({
  model: z.string().trim().min(1).max(200).optional().catch(undefined),
  key: z.string().trim().min(1).max(100).optional().catch(undefined),
  status: z.enum(STATUSES).optional().catch(undefined),
  from: isoDate.optional().catch(undefined),
  to: isoDate.optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(1_000_000).optional().catch(undefined),
});
export type RequestLogFilters = z.output<typeof requestLogFiltersSchema>;

/** Reads the filters from search params (a Next.js `searchParams` object or a URLSearchParams). */
export function parseRequestLogFilters(params: URLSearchParams | Record<string, string | string[] | undefined>): RequestLogFilters {
  const get = (name: string) => {
    const value = params instanceof URLSearchParams ? params.get(name) : params[name];
    const first = Array.isArray(value) ? value[0] : value;
    return first === "" || first === null ? undefined : first;
  };
  return requestLogFiltersSchema.parse(Object.fromEntries(Object.keys(requestLogFiltersSchema.shape).map((name) => [name, get(name)])));
}

function whereFor(userId: string, filters: RequestLogFilters): Prisma.RequestLogWhereInput {
  const createdAt: Prisma.DateTimeFilter = {};
  if (filters.from) createdAt.gte = new Date(`${filters.from}T00:00:00.000Z`);
  if (filters.to) createdAt.lt = new Date(Date.parse(`${filters.to}T00:00:00.000Z`) + 86_400_000);
  return {
    userId,
    ...(filters.model ? { modelId: filters.model } : {}),
    ...(filters.key ? { apiKeyId: filters.key === NO_KEY_FILTER ? null : filters.key } : {}),
    ...(filters.status ? { status: filters.status.toUpperCase() as RequestStatus } : {}),
    ...(filters.from || filters.to ? { createdAt } : {}),
  };
}

export interface RequestLogRow {
  id: string;
  createdAt: Date;
  /** Null for a request refused before it named a model. */
  modelId: string | null;
  endpoint: string;
  source: RequestSource;
  /** "Production (eco_…abcd)", or null for the playground / a deleted key. */
  apiKey: { id: string; name: string; display: string } | null;
  status: RequestStatus;
  httpStatus: number | null;
  errorCode: string | null;
  inputTokens: number;
  outputTokens: number;
  images: number;
  audioSeconds: number;
  inputCharacters: number;
  usageCounted: boolean;
  cost: bigint;
  latencyMs: number | null;
  ttftMs: number | null;
}

const rowSelect = {
  id: true,
  createdAt: true,
  modelId: true,
  endpoint: true,
  source: true,
  status: true,
  httpStatus: true,
  errorCode: true,
  inputTokens: true,
  outputTokens: true,
  images: true,
  audioSeconds: true,
  inputCharacters: true,
  usageCounted: true,
  cost: true,
  latencyMs: true,
  ttftMs: true,
  apiKey: { select: { id: true, name: true, prefix: true, lastFour: true } },
} as const satisfies Prisma.RequestLogSelect;

function toRow({ apiKey, ...row }: Prisma.RequestLogGetPayload<{ select: typeof rowSelect }>): RequestLogRow {
  return { ...row, apiKey: apiKey ? { id: apiKey.id, name: apiKey.name, display: displayApiKey(apiKey.prefix, apiKey.lastFour) } : null };
}

export interface RequestLogPage {
  rows: RequestLogRow[];
  page: number;
  pageCount: number;
  total: number;
}

export async function listRequestLog(userId: string, filters: RequestLogFilters, pageSize = REQUEST_LOG_PAGE_SIZE): Promise<RequestLogPage> {
  const where = whereFor(userId, filters);
  const total = await db.requestLog.count({ where });
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const page = Math.min(filters.page ?? 1, pageCount);
  const rows = await db.requestLog.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    skip: (page - 1) * pageSize,
    take: pageSize,
    select: rowSelect,
  });
  return { rows: rows.map(toRow), page, pageCount, total };
}

/** What the filter controls offer: the models this user has called and all their keys. */
export async function getRequestLogFilterOptions(userId: string): Promise<{ models: string[]; keys: Array<{ id: string; label: string }> }> {
  const [models, keys] = await Promise.all([
    db.requestLog.findMany({ where: { userId, modelId: { not: null } }, distinct: ["modelId"], select: { modelId: true }, orderBy: { modelId: "asc" } }),
    db.apiKey.findMany({ where: { userId }, orderBy: { createdAt: "asc" }, select: { id: true, name: true, prefix: true, lastFour: true, revokedAt: true } }),
  ]);
  return {
    models: models.flatMap((m) => (m.modelId ? [m.modelId] : [])),
    keys: keys.map((k) => ({ id: k.id, label: `${k.name} (${displayApiKey(k.prefix, k.lastFour)})${k.revokedAt ? " — revoked" : ""}` })),
  };
}

export const REQUEST_LOG_CSV_HEADER = [
  "request_id",
  "created_at_utc",
  "model",
  "endpoint",
  "source",
  "api_key",
  "status",
  "http_status",
  "input_tokens",
  "output_tokens",
  "images",
  "audio_seconds",
  "input_characters",
  "usage_counted",
  "cost_usd",
  "latency_ms",
  "time_to_first_token_ms",
  "error_code",
];

/** Every filtered row, newest first, in batches (keyset pagination), as CSV values. */
export async function* requestLogCsvRows(userId: string, filters: RequestLogFilters, batchSize = 1_000): AsyncGenerator<CsvValue[]> {
  const where = whereFor(userId, filters);
  let cursor: string | undefined;
  for (;;) {
    const batch = await db.requestLog.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: batchSize,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      select: rowSelect,
    });
    for (const row of batch.map(toRow)) {
      yield [
        row.id,
        row.createdAt.toISOString(),
        row.modelId,
        row.endpoint,
        row.source.toLowerCase(),
        row.apiKey ? `${row.apiKey.name} (${row.apiKey.display})` : "",
        row.status.toLowerCase(),
        row.httpStatus,
        row.inputTokens,
        row.outputTokens,
        row.images,
        row.audioSeconds,
        row.inputCharacters,
        row.usageCounted,
        nanosToDecimalString(row.cost),
        row.latencyMs,
        row.ttftMs,
        row.errorCode,
      ];
    }
    if (batch.length < batchSize) return;
    cursor = batch[batch.length - 1]!.id;
  }
}

/** Whether the user has ever made a request (a new account sees a how-to-start message instead of empty charts). */
export async function hasAnyRequests(userId: string): Promise<boolean> {
  return (await db.requestLog.findFirst({ where: { userId }, select: { id: true } })) !== null;
}
