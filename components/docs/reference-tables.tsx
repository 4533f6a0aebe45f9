// The API reference's tables, generated when the page renders: an operation's parameters (from
// its request schema in the OpenAPI document), the errors it answers with (from the OpenAI error
// mapping), and the registered models that serve it (from the model registry). Two columns, so
// they wrap instead of scrolling on a phone.
import type { ReactNode } from "react";
import { Badge } from "@/components/ui/badge";
import type { ParameterRow } from "@/lib/docs/request-parameters";
import type { CatalogModel } from "@/lib/inference/catalog";
import type { Mapping } from "@/lib/inference/openai-errors";
import { Code, InlineText } from "./prose";

function TwoColumnTable({ caption, headings, children }: { caption: string; headings: [string, string]; children: ReactNode }) {
  return (
    <div className="overflow-hidden rounded-xl border border-zinc-200">
      <table className="w-full table-fixed border-collapse text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <colgroup>
          <col className="w-[40%] sm:w-[34%]" />
          <col />
        </colgroup>
        <thead className="border-b border-zinc-200 bg-zinc-50">
          <tr>
            {headings.map((heading) => (
              <th key={heading} scope="col" className="px-3 py-2 text-xs font-medium tracking-wide text-zinc-500 uppercase sm:px-4">
                {heading}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100">{children}</tbody>
      </table>
    </div>
  );
}

export function ParameterTable({ caption, rows }: { caption: string; rows: ParameterRow[] }) {
  return (
    <TwoColumnTable caption={caption} headings={["Parameter", "Description"]}>
      {rows.map((row) => (
        <tr key={`${row.in}:${row.name}`} data-testid="parameter-row" data-parameter={row.name}>
          <td className="px-3 py-3 align-top sm:px-4">
            <span className="font-mono text-[13px] font-medium break-words text-zinc-900">{row.name}</span>
            <span className="mt-1 block font-mono text-xs break-words text-zinc-500">{row.type}</span>
            <span className="mt-1.5 flex flex-wrap gap-1">
              {row.required ? <Badge variant="warning">required</Badge> : <Badge>optional</Badge>}
              {row.in === "path" ? <Badge variant="info">in path</Badge> : null}
              {row.deprecated ? <Badge variant="danger">deprecated</Badge> : null}
            </span>
          </td>
          <td className="px-3 py-3 align-top break-words text-zinc-700 sm:px-4">
            {row.description ? <InlineText text={row.description} /> : null}
            {row.defaultValue !== null ? (
              <span className="mt-1 block text-xs text-zinc-500">
                Default: <Code>{row.defaultValue}</Code>
              </span>
            ) : null}
          </td>
        </tr>
      ))}
    </TwoColumnTable>
  );
}

export interface ErrorRow {
  status: number;
  meaning: string;
  mappings: Mapping[];
}

export function ErrorTable({ caption, rows }: { caption: string; rows: ErrorRow[] }) {
  return (
    <TwoColumnTable caption={caption} headings={["Status", "When"]}>
      {rows.map((row) => (
        <tr key={row.status} data-testid="error-row">
          <td className="px-3 py-3 align-top sm:px-4">
            <span className="font-mono text-[13px] font-medium text-zinc-900">{row.status}</span>
            {row.mappings.map((mapping) => (
              <span key={`${mapping.type}:${mapping.code}`} className="mt-1 block font-mono text-xs break-words text-zinc-500">
                {mapping.type}
                {mapping.code ? ` · ${mapping.code}` : ""}
              </span>
            ))}
          </td>
          <td className="px-3 py-3 align-top break-words text-zinc-700 sm:px-4">{row.meaning}</td>
        </tr>
      ))}
    </TwoColumnTable>
  );
}

export function ModelPriceTable({ caption, models }: { caption: string; models: CatalogModel[] }) {
  return (
    <TwoColumnTable caption={caption} headings={["Model", "Price"]}>
      {models.map((model) => (
        <tr key={model.id} data-testid="model-price-row" data-model-id={model.id}>
          <td className="px-3 py-3 align-top sm:px-4">
            <span className="font-mono text-[13px] font-medium break-words text-zinc-900">{model.id}</span>
            <span className="mt-1.5 flex flex-wrap gap-1">
              <Badge variant={model.provider === "local" ? "info" : "neutral"}>{model.provider === "local" ? "local demo" : "upstream"}</Badge>
              {model.unavailableReason ? <Badge variant="warning">not available here</Badge> : null}
            </span>
          </td>
          <td className="px-3 py-3 align-top text-zinc-700 sm:px-4">
            <ul className="flex flex-col gap-0.5">
              {model.prices.map((price) => (
                <li key={price.label}>
                  <span className="text-zinc-500">{price.label}:</span> <span data-testid="model-price">{price.value}</span>
                </li>
              ))}
            </ul>
            {model.unavailableReason ? <p className="mt-1 text-xs text-zinc-500">{model.unavailableReason}</p> : null}
          </td>
        </tr>
      ))}
    </TwoColumnTable>
  );
}
