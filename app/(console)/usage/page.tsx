import type { Metadata } from "next";
import Link from "next/link";
import { toChartData } from "@/components/usage/chart-data";
import { Pagination } from "@/components/ui/pagination";
import { RangePicker } from "@/components/usage/range-picker";
import { RequestLogFilterForm } from "@/components/usage/request-log-filter-form";
import { RequestLogTable } from "@/components/usage/request-log-table";
import { UsageCharts } from "@/components/usage/usage-charts";
import { UsageTotals } from "@/components/usage/usage-totals";
import { buttonClasses } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { requireUser } from "@/lib/auth/session";
import { getUsageSummary } from "@/lib/usage/aggregates";
import { parseUsageRange } from "@/lib/usage/ranges";
import { getRequestLogFilterOptions, hasAnyRequests, listRequestLog, parseRequestLogFilters, type RequestLogFilters } from "@/lib/usage/request-log";

export const metadata: Metadata = { title: "Usage" };

/** The filters as query parameters (empty ones left out), for page links and the CSV export. */
function filterQuery(filters: RequestLogFilters, extra: Record<string, string | number> = {}): string {
  const entries = [
    ...Object.entries({ model: filters.model, key: filters.key, status: filters.status, from: filters.from, to: filters.to }),
    ...Object.entries(extra),
  ];
  return new URLSearchParams(entries.flatMap(([name, value]) => (value === undefined || value === "" ? [] : [[name, String(value)]]))).toString();
}

export default async function UsagePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const params = await searchParams;
  const range = parseUsageRange(typeof params.range === "string" ? params.range : undefined);

  const header = (
    <div className="flex flex-col gap-4 sm:flex-row sm:items-end sm:justify-between">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight text-zinc-900">Usage</h1>
        <p className="mt-1 text-sm text-zinc-500">What your requests used and cost, by UTC day.</p>
      </div>
      <RangePicker current={range} />
    </div>
  );

  if (!(await hasAnyRequests(user.id))) {
    return (
      <div className="flex flex-col gap-8">
        {header}
        <EmptyState
          title="No requests yet — create an API key and make your first call"
          description="Charts of your spend and every request you make, with its tokens, cost and latency, show up here."
          action={
            <Link href="/api-keys" className={buttonClasses()}>
              Create an API key
            </Link>
          }
        />
      </div>
    );
  }

  const filters = parseRequestLogFilters(params);
  const [summary, log, options] = await Promise.all([getUsageSummary(user.id, range), listRequestLog(user.id, filters), getRequestLogFilterOptions(user.id)]);
  const filtered = Boolean(filters.model || filters.key || filters.status || filters.from || filters.to);
  const exportQuery = filterQuery(filters);

  return (
    <div className="flex flex-col gap-8">
      {header}
      <section aria-label={`Totals for the last ${range} days`}>
        <UsageTotals totals={summary.totals} />
      </section>
      <section aria-label="Charts">
        <UsageCharts data={toChartData(summary)} />
      </section>
      <section aria-labelledby="log-heading" className="flex flex-col gap-4">
        <div className="flex flex-col gap-2 sm:flex-row sm:items-end sm:justify-between">
          <div>
            <h2 id="log-heading" className="text-lg font-semibold text-zinc-900">
              Request log
            </h2>
            <p className="text-sm text-zinc-500">
              {log.total.toLocaleString("en-US")} {log.total === 1 ? "request" : "requests"}
              {filtered ? " match" : ""}, newest first.
            </p>
          </div>
          <a href={`/api/usage/requests${exportQuery ? `?${exportQuery}` : ""}`} download className={buttonClasses({ variant: "secondary", size: "sm" })}>
            Export CSV
          </a>
        </div>
        <RequestLogFilterForm filters={filters} options={options} range={range} />
        <RequestLogTable rows={log.rows} filtered={filtered} />
        <Pagination page={log.page} pageCount={log.pageCount} hrefFor={(page) => `/usage?${filterQuery(filters, { range, page })}`} label="Request log pages" />
      </section>
    </div>
  );
}
