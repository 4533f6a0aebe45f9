import Link from "next/link";
import { buttonClasses } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { NO_KEY_FILTER, type RequestLogFilters as Filters } from "@/lib/usage/request-log";

/**
 * The request log's filters: a plain GET form, so the filtered log has a URL (bookmarkable, and
 * the CSV export link reuses it) and works before any JavaScript has loaded.
 */
export function RequestLogFilterForm({
  filters,
  options,
  range,
}: {
  filters: Filters;
  options: { models: string[]; keys: Array<{ id: string; label: string }> };
  range: number;
}) {
  return (
    <form method="get" action="/usage" className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-6 lg:items-end">
      <input type="hidden" name="range" value={range} />
      <Field label="Model">
        <Select name="model" defaultValue={filters.model ?? ""}>
          <option value="">All models</option>
          {options.models.map((model) => (
            <option key={model} value={model}>
              {model}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="API key">
        <Select name="key" defaultValue={filters.key ?? ""}>
          <option value="">All keys</option>
          <option value={NO_KEY_FILTER}>No key (playground)</option>
          {options.keys.map((key) => (
            <option key={key.id} value={key.id}>
              {key.label}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Status">
        <Select name="status" defaultValue={filters.status ?? ""}>
          <option value="">Any status</option>
          <option value="succeeded">Succeeded</option>
          <option value="failed">Failed</option>
          <option value="cancelled">Cancelled</option>
          <option value="pending">In progress</option>
        </Select>
      </Field>
      <Field label="From (UTC)">
        <Input type="date" name="from" defaultValue={filters.from ?? ""} />
      </Field>
      <Field label="To (UTC)">
        <Input type="date" name="to" defaultValue={filters.to ?? ""} />
      </Field>
      <div className="flex gap-2">
        <button type="submit" className={buttonClasses({ className: "flex-1" })}>
          Filter
        </button>
        <Link href={`/usage?range=${range}`} className={buttonClasses({ variant: "ghost" })}>
          Clear
        </Link>
      </div>
    </form>
  );
}
