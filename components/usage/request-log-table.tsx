import { formatFullDateTime } from "@/components/ui/dates";
import { Badge, type BadgeVariant } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, TableBody, TableCell, TableHead, TableHeaderCell, TableRow } from "@/components/ui/table";
import { formatUsd } from "@/lib/credits/money";
import type { RequestStatus } from "@/lib/generated/prisma/enums";
import type { RequestLogRow } from "@/lib/usage/request-log";

const STATUSES: Record<RequestStatus, { label: string; variant: BadgeVariant }> = {
  PENDING: { label: "In progress", variant: "info" },
  SUCCEEDED: { label: "Succeeded", variant: "success" },
  FAILED: { label: "Failed", variant: "danger" },
  CANCELLED: { label: "Cancelled", variant: "warning" },
};

const time = new Intl.DateTimeFormat("en-US", {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
  timeZone: "UTC",
});
const integer = new Intl.NumberFormat("en-US");

function duration(ms: number | null): string {
  if (ms === null) return "—";
  return ms < 1_000 ? `${ms} ms` : `${(ms / 1_000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/**
 * What a request used: tokens for chat and embeddings, images for image generation, seconds of
 * audio for transcription, characters for speech; "counted" when the backend reported no usage.
 */
function usageOf(row: RequestLogRow): string {
  if (row.images > 0) return `${integer.format(row.images)} image${row.images === 1 ? "" : "s"}`;
  if (row.audioSeconds > 0) return `${row.audioSeconds.toFixed(1)} s audio`;
  if (row.inputCharacters > 0) return `${integer.format(row.inputCharacters)} characters`;
  return `${integer.format(row.inputTokens)} / ${integer.format(row.outputTokens)}${row.usageCounted ? " (counted)" : ""}`;
}

/**
 * The request log. Two facts share each of three columns (time and ID, model and key, latency and
 * time to first token) so that the whole row, the request ID included, fits a desktop screen.
 */
export function RequestLogTable({ rows, filtered }: { rows: RequestLogRow[]; filtered: boolean }) {
  if (rows.length === 0) {
    return (
      <EmptyState
        title={filtered ? "No requests match these filters" : "No requests in this period"}
        description={filtered ? "Try another model, key, status or date range." : undefined}
      />
    );
  }
  return (
    <Table caption="Request log, newest first">
      <TableHead>
        <tr>
          <TableHeaderCell>Time (UTC) · request ID</TableHeaderCell>
          <TableHeaderCell>Model · key</TableHeaderCell>
          <TableHeaderCell className="text-right">Tokens in / out</TableHeaderCell>
          <TableHeaderCell className="text-right">Cost</TableHeaderCell>
          <TableHeaderCell className="text-right">Latency · first token</TableHeaderCell>
          <TableHeaderCell>Status</TableHeaderCell>
        </tr>
      </TableHead>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={row.id}>
            <TableCell className="whitespace-nowrap">
              <div className="tabular-nums" title={formatFullDateTime(row.createdAt)}>
                {time.format(row.createdAt)}
              </div>
              <div className="font-mono text-xs text-zinc-500 select-all">{row.id}</div>
            </TableCell>
            <TableCell className="max-w-64">
              <div className="truncate font-mono text-xs" title={`${row.modelId ?? "No model named"} · ${row.endpoint}`}>
                {row.modelId ?? <span className="text-zinc-500">{row.endpoint}</span>}
              </div>
              <div className="truncate text-xs">
                {row.apiKey ? (
                  <span title={row.apiKey.display}>{row.apiKey.name}</span>
                ) : (
                  <span className="text-zinc-500">{row.source === "PLAYGROUND" ? "Playground" : "Deleted key"}</span>
                )}
              </div>
            </TableCell>
            <TableCell className="text-right whitespace-nowrap tabular-nums">{usageOf(row)}</TableCell>
            <TableCell className="text-right whitespace-nowrap tabular-nums">{formatUsd(row.cost)}</TableCell>
            <TableCell className="text-right whitespace-nowrap tabular-nums">
              <div>{duration(row.latencyMs)}</div>
              <div className="text-xs text-zinc-500">{duration(row.ttftMs)}</div>
            </TableCell>
            <TableCell>
              <Badge variant={STATUSES[row.status].variant}>{STATUSES[row.status].label}</Badge>
              {row.errorCode ? (
                <div className="mt-1 font-mono text-xs whitespace-nowrap text-zinc-500">
                  {row.httpStatus ? `${row.httpStatus} · ` : ""}
                  {row.errorCode}
                </div>
              ) : null}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
