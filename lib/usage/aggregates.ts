// What the usage page charts: spend and requests per UTC day, split by model and by API key, and
// the period's totals. One SQL query aggregates the request log with GROUPING SETS (per day and
// model, per day and key, and the grand total), so the charts and the totals are sums of the very
// rows the request log shows, and their spend is the sum of the ledger's request charges.
import "server-only";
import { db } from "@/lib/db";
import { utcDaysEndingToday } from "./ranges";

export interface UsageTotals {
  requests: number;
  /** Nano-dollars. */
  spend: bigint;
  inputTokens: bigint;
  outputTokens: bigint;
  images: bigint;
  audioSeconds: number;
}

export interface UsageSeries {
  /** A model id, an API key id, or "playground" for requests made without a key. */
  id: string;
  label: string;
  totals: { requests: number; spend: bigint };
  /** One per day of the period, in order, zeros included. */
  days: Array<{ requests: number; spend: bigint }>;
}

export interface UsageSummary {
  /** The period's UTC days ("2026-11-25"), oldest first. */
  days: string[];
  totals: UsageTotals;
  byModel: UsageSeries[];
  byKey: UsageSeries[];
}

interface AggregateRow {
  grouping: number;
  day: Date | null;
  modelId: string | null;
  apiKeyId: string | null;
  requests: number;
  spend: bigint;
  inputTokens: bigint;
  outputTokens: bigint;
  images: bigint;
  audioSeconds: number;
}

// GROUPING(day, modelId, apiKeyId) bit masks: a set bit means the column is aggregated away.
const BY_DAY_AND_MODEL = 0b001;
const BY_DAY_AND_KEY = 0b010;
const TOTAL = 0b111;

export const PLAYGROUND_SERIES_ID = "playground";

export async function getUsageSummary(userId: string, rangeDays: number, now = new Date()): Promise<UsageSummary> {
  const days = utcDaysEndingToday(rangeDays, now);
  const since = new Date(`${days[0]}T00:00:00.000Z`);
  // createdAt is stored as UTC without a zone, so its ::date is the UTC day.
  const rows = await db.$queryRaw<AggregateRow[]>`
    SELECT GROUPING(r.day, r."modelId", r."apiKeyId")::int AS grouping,
           r.day, r."modelId", r."apiKeyId",
           COUNT(*)::int AS requests,
           COALESCE(SUM(r."cost"), 0)::bigint AS spend,
           COALESCE(SUM(r."inputTokens"), 0)::bigint AS "inputTokens",
           COALESCE(SUM(r."outputTokens"), 0)::bigint AS "outputTokens",
           COALESCE(SUM(r."images"), 0)::bigint AS images,
           COALESCE(SUM(r."audioSeconds"), 0)::float8 AS "audioSeconds"
    FROM (SELECT *, "createdAt"::date AS day FROM "RequestLog" WHERE "userId" = ${userId} AND "createdAt" >= ${since}) AS r
    GROUP BY GROUPING SETS ((r.day, r."modelId"), (r.day, r."apiKeyId"), ())`;

  const total = rows.find((row) => row.grouping === TOTAL);
  const totals: UsageTotals = {
    requests: total?.requests ?? 0,
    spend: total?.spend ?? 0n,
    inputTokens: total?.inputTokens ?? 0n,
    outputTokens: total?.outputTokens ?? 0n,
    images: total?.images ?? 0n,
    audioSeconds: total?.audioSeconds ?? 0,
  };

  const modelRows = rows.filter((row) => row.grouping === BY_DAY_AND_MODEL);
  const keyRows = rows.filter((row) => row.grouping === BY_DAY_AND_KEY);
  const [models, keys] = await Promise.all([
    db.model.findMany({ where: { id: { in: [...new Set(modelRows.map((r) => r.modelId!))] } }, select: { id: true, displayName: true } }),
    db.apiKey.findMany({
      where: { userId, id: { in: [...new Set(keyRows.flatMap((r) => (r.apiKeyId ? [r.apiKeyId] : [])))] } },
      select: { id: true, name: true },
    }),
  ]);
  const modelNames = new Map(models.map((m) => [m.id, m.displayName]));
  const keyNames = new Map(keys.map((k) => [k.id, k.name]));

  return {
    days,
    totals,
    byModel: seriesFrom(
      days,
      modelRows,
      (row) => row.modelId!,
      (id) => modelNames.get(id) ?? id,
    ),
    byKey: seriesFrom(
      days,
      keyRows,
      (row) => row.apiKeyId ?? PLAYGROUND_SERIES_ID,
      (id) => (id === PLAYGROUND_SERIES_ID ? "Playground (no key)" : (keyNames.get(id) ?? "Deleted key")),
    ),
  };
}

/** Per-day points for each series (zeros filled in), the biggest spender first. */
function seriesFrom(days: string[], rows: AggregateRow[], seriesId: (row: AggregateRow) => string, label: (id: string) => string): UsageSeries[] {
  const index = new Map(days.map((day, i) => [day, i]));
  const series = new Map<string, UsageSeries>();
  for (const row of rows) {
    const id = seriesId(row);
    let entry = series.get(id);
    if (!entry) {
      entry = { id, label: label(id), totals: { requests: 0, spend: 0n }, days: days.map(() => ({ requests: 0, spend: 0n })) };
      series.set(id, entry);
    }
    const point = entry.days[index.get(row.day!.toISOString().slice(0, 10)) ?? -1];
    if (!point) continue;
    point.requests += row.requests;
    point.spend += row.spend;
    entry.totals.requests += row.requests;
    entry.totals.spend += row.spend;
  }
  return [...series.values()].sort((a, b) =>
    b.totals.spend === a.totals.spend ? b.totals.requests - a.totals.requests : b.totals.spend > a.totals.spend ? 1 : -1,
  );
}
