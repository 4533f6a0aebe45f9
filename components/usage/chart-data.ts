// The usage summary shaped for the charts: per split (by model, by key) the biggest series by
// spend and "Other" for the rest, one row per day with a plain number per series. Money becomes a
// float of dollars only here, for plotting; labels and tooltips format it back for people.
import type { UsageSeries, UsageSummary } from "@/lib/usage/aggregates";

const COLORS = ["#059669", "#0284c7", "#7c3aed", "#d97706", "#db2777", "#0d9488"];
const OTHER_COLOR = "#a1a1aa";
const MAX_SERIES = COLORS.length;

export interface ChartSeries {
  /** The data key in each row ("s0", "s1", …): model ids contain dots, which chart data keys can't. */
  key: string;
  label: string;
  color: string;
}

export type ChartRow = { day: string } & Record<string, number | string>;

export interface ChartSplit {
  series: ChartSeries[];
  spend: ChartRow[];
  requests: ChartRow[];
}

export interface UsageChartData {
  byModel: ChartSplit;
  byKey: ChartSplit;
}

const dayLabel = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });

function split(days: string[], all: UsageSeries[]): ChartSplit {
  const shown = all.slice(0, all.length > MAX_SERIES ? MAX_SERIES - 1 : MAX_SERIES);
  const rest = all.slice(shown.length);
  const groups = [
    ...shown.map((s, i) => ({ key: `s${i}`, label: s.label, color: COLORS[i]!, members: [s] })),
    ...(rest.length ? [{ key: "other", label: `Other (${rest.length})`, color: OTHER_COLOR, members: rest }] : []),
  ];
  const rows = (measure: (point: UsageSeries["days"][number]) => number): ChartRow[] =>
    days.map((day, i) => {
      const row: ChartRow = { day: dayLabel.format(new Date(`${day}T00:00:00Z`)) };
      for (const group of groups) row[group.key] = group.members.reduce((sum, member) => sum + measure(member.days[i]!), 0);
      return row;
    });
  return {
    series: groups.map(({ key, label, color }) => ({ key, label, color })),
    spend: rows((point) => Number(point.spend) / 1e9),
    requests: rows((point) => point.requests),
  };
}

export function toChartData(summary: UsageSummary): UsageChartData {
  return { byModel: split(summary.days, summary.byModel), byKey: split(summary.days, summary.byKey) };
}
