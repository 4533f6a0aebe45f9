import { formatFullDateTime } from "@/components/keys/key-dates";
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

const time = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZone: "UTC" });
const integer = new Intl.NumberFormat("en-US");

function duration(ms: number | null): string {
  if (ms === null) return "—";
  return ms < 1_000 ? `${ms} ms` : `${(ms / 1_000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** What a request used: tokens for chat, images for image generation, seconds of audio for transcription. */
function usageOf(row: RequestLogRow): string {
  if (row.images > 0) return `${integer.format(row.images)} image${row.images === 1 ? "" : "s"}`;
  if (row.audioSeconds > 0) return `${row.audioSeconds.toFixed(1)} s audio`;
  return `${integer.format(row.inputTokens)} / ${integer.format(row.outputTokens)}`;
}

export function RequestLogTable({ rows, filtered }: { rows: RequestLogRow[]; filtered: boolean }) {
  if (rows.length === 0) {
    return <EmptyState title={filtered ? "No requests match these filters" : "No requests in this period"} description={filtered ? "Try another model, key, status or date range." : undefined} />;
  }
  return (
    <Table caption="Request log, newest first">
      <TableHead>
        <tr>
          <TableHeaderCell>Time (UTC)</TableHeaderCell>
          <TableHeaderCell>Model</TableHeaderCell>
          <TableHeaderCell>Key</TableHeaderCell>
          <TableHeaderCell className="text-right">Tokens in / out</TableHeaderCell>
          <TableHeaderCell className="text-right">Cost</TableHeaderCell>
          <TableHeaderCell className="text-right">Latency</TableHeaderCell>
          <TableHeaderCell className="text-right">First token</TableHeaderCell>
          <TableHeaderCell>Status</TableHeaderCell>
          <TableHeaderCell>Request ID</TableHeaderCell>
        </tr>
      </TableHead>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={row.id}>
            <TableCell className="whitespace-nowrap tabular-nums" title={formatFullDateTime(row.createdAt)}>
              {time.format(row.createdAt)}
            </TableCell>
            <TableCell className="max-w-56 truncate font-mono text-xs" title={`${row.modelId} · ${row.endpoint}`}>
              {row.modelId}
            </TableCell>
            <TableCell className="whitespace-nowrap">{row.apiKey ? <span title={row.apiKey.display}>{row.apiKey.name}</span> : <span className="text-zinc-500">{row.source === "PLAYGROUND" ? "Playground" : "Deleted key"}</span>}</TableCell>
            <TableCell className="text-right whitespace-nowrap tabular-nums">{usageOf(row)}</TableCell>
            <TableCell className="text-right whitespace-nowrap tabular-nums">{formatUsd(row.cost)}</TableCell>
            <TableCell className="text-right whitespace-nowrap tabular-nums">{duration(row.latencyMs)}</TableCell>
            <TableCell className="text-right whitespace-nowrap tabular-nums">{duration(row.ttftMs)}</TableCell>
            <TableCell>
              <Badge variant={STATUSES[row.status].variant} title={row.errorCode ?? (row.httpStatus ? `HTTP ${row.httpStatus}` : undefined)}>
                {STATUSES[row.status].label}
              </Badge>
            </TableCell>
            <TableCell className="font-mono text-xs text-zinc-500">{row.id}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
