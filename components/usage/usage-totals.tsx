import { Card } from "@/components/ui/card";
import { formatUsd } from "@/lib/credits/money";
import type { UsageTotals as Totals } from "@/lib/usage/aggregates";

const integer = new Intl.NumberFormat("en-US");
const minutes = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

/** The period's totals: spend, requests, tokens in and out, images, audio minutes. */
export function UsageTotals({ totals }: { totals: Totals }) {
  const figures = [
    { label: "Spend", value: formatUsd(totals.spend) },
    { label: "Requests", value: integer.format(totals.requests) },
    { label: "Input tokens", value: integer.format(totals.inputTokens) },
    { label: "Output tokens", value: integer.format(totals.outputTokens) },
    { label: "Images", value: integer.format(totals.images) },
    { label: "Audio minutes", value: minutes.format(totals.audioSeconds / 60) },
  ];
  return (
    <Card>
      <dl className="grid grid-cols-2 divide-zinc-100 sm:grid-cols-3 lg:grid-cols-6">
        {figures.map((figure) => (
          <div key={figure.label} className="px-5 py-4">
            <dt className="text-xs font-medium tracking-wide text-zinc-500 uppercase">{figure.label}</dt>
            <dd className="mt-1 text-xl font-semibold tracking-tight tabular-nums" data-testid={`usage-total-${figure.label.toLowerCase().replace(/ /g, "-")}`}>
              {figure.value}
            </dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}
