"use client";

import { useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Card, CardBody, CardHeader, CardTitle } from "@/components/ui/card";
import { cx } from "@/components/ui/class-names";
import { focusRing } from "@/components/ui/focus-ring";
import { formatUsd } from "@/lib/credits/money";
import type { ChartRow, ChartSeries, UsageChartData } from "./chart-data";

function dollars(value: number): string {
  return formatUsd(BigInt(Math.round(value * 1e9)));
}

/** Axis ticks: two significant digits under a dollar ("$0.016"), where "$0.02" would blur neighbouring ticks. */
function dollarTick(value: number): string {
  if (value === 0) return "$0";
  return value >= 1 ? value.toLocaleString("en-US", { style: "currency", currency: "USD" }) : `$${Number(value.toPrecision(2))}`;
}

function count(value: number): string {
  return value.toLocaleString("en-US");
}

interface DailyChartProps {
  title: string;
  rows: ChartRow[];
  series: ChartSeries[];
  format: (value: number) => string;
  tick: (value: number) => string;
  wholeNumbers: boolean;
}

function DailyChart({ title, rows, series, format, tick, wholeNumbers }: DailyChartProps) {
  const total = rows.reduce((sum, row) => sum + series.reduce((s, { key }) => s + Number(row[key] ?? 0), 0), 0);
  return (
    <Card>
      <CardHeader className="flex-row items-baseline justify-between">
        <CardTitle>{title}</CardTitle>
        <span className="text-sm text-zinc-500 tabular-nums">{format(total)} total</span>
      </CardHeader>
      <CardBody>
        <div role="img" aria-label={`${title}: ${format(total)} in total, split by ${series.map((s) => s.label).join(", ") || "nothing yet"}`} className="h-64">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={rows} margin={{ top: 4, right: 4, bottom: 0, left: 0 }}>
              <CartesianGrid vertical={false} stroke="#e4e4e7" />
              <XAxis dataKey="day" tickLine={false} axisLine={false} tick={{ fontSize: 12, fill: "#71717a" }} minTickGap={16} />
              <YAxis
                tickLine={false}
                axisLine={false}
                tick={{ fontSize: 12, fill: "#71717a" }}
                tickFormatter={(value: number) => tick(value)}
                width={64}
                allowDecimals={!wholeNumbers}
              />
              <Tooltip formatter={(value) => format(Number(value))} cursor={{ fill: "#f4f4f5" }} />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              {series.map((s) => (
                <Bar key={s.key} dataKey={s.key} name={s.label} stackId="usage" fill={s.color} isAnimationActive={false} />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </div>
      </CardBody>
    </Card>
  );
}

/** Spend and requests per day, stacked by model or by API key. */
export function UsageCharts({ data }: { data: UsageChartData }) {
  const [splitBy, setSplitBy] = useState<"model" | "key">("model");
  const view = splitBy === "model" ? data.byModel : data.byKey;
  return (
    <div className="flex flex-col gap-4">
      {/* biome-ignore lint/a11y/useSemanticElements: a segmented control of buttons, not a form's fieldset. */}
      <div role="group" aria-label="Split charts by" className="inline-flex self-start rounded-lg border border-zinc-200 bg-white p-0.5">
        {(["model", "key"] as const).map((option) => (
          <button
            key={option}
            type="button"
            aria-pressed={splitBy === option}
            onClick={() => setSplitBy(option)}
            className={cx(
              "rounded-md px-3 py-1.5 text-sm font-medium",
              focusRing,
              splitBy === option ? "bg-zinc-900 text-white" : "text-zinc-600 hover:text-zinc-900",
            )}
          >
            By {option === "model" ? "model" : "API key"}
          </button>
        ))}
      </div>
      <div className="grid gap-6 lg:grid-cols-2">
        <DailyChart title="Spend per day" rows={view.spend} series={view.series} format={dollars} tick={dollarTick} wholeNumbers={false} />
        <DailyChart title="Requests per day" rows={view.requests} series={view.series} format={count} tick={count} wholeNumbers />
      </div>
    </div>
  );
}
