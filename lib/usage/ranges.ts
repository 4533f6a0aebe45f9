// The periods the usage page offers, and the UTC days they cover. Plain module so that the
// range picker in the browser and the queries share it.

export const USAGE_RANGES = [7, 30, 90] as const;
export type UsageRange = (typeof USAGE_RANGES)[number];
export const DEFAULT_USAGE_RANGE: UsageRange = 30;

export function parseUsageRange(value: string | undefined): UsageRange {
  const days = Number(value);
  return USAGE_RANGES.find((range) => range === days) ?? DEFAULT_USAGE_RANGE;
}

/** "2026-11-25" for each of the last `days` UTC days, oldest first, today last. */
export function utcDaysEndingToday(days: number, now = new Date()): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: days }, (_, i) => new Date(today - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}
