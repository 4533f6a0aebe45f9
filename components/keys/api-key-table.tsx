import { Badge, type BadgeVariant } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeaderCell, TableRow } from "@/components/ui/table";
import { formatUsd } from "@/lib/credits/money";
import type { ApiKeyStatus, ApiKeySummary } from "@/lib/keys/api-keys";
import { formatCalendarDate, formatFullDateTime, formatRelativeTime } from "@/components/ui/dates";
import { RevokeApiKeyButton } from "./revoke-api-key-button";

const statusBadge: Record<ApiKeyStatus, { label: string; variant: BadgeVariant }> = {
  active: { label: "Active", variant: "success" },
  revoked: { label: "Revoked", variant: "neutral" },
  expired: { label: "Expired", variant: "warning" },
};

function Moment({ date, relative = false, now }: { date: Date; relative?: boolean; now: Date }) {
  return (
    <time dateTime={date.toISOString()} title={formatFullDateTime(date)}>
      {relative ? formatRelativeTime(date, now) : formatCalendarDate(date)}
    </time>
  );
}

function StatusCell({ apiKey, now }: { apiKey: ApiKeySummary; now: Date }) {
  const badge = statusBadge[apiKey.status];
  return (
    <div className="flex flex-col items-start gap-1">
      <Badge variant={badge.variant}>{badge.label}</Badge>
      {apiKey.status === "revoked" && apiKey.revokedAt ? (
        <span className="text-xs text-zinc-500">
          On <Moment date={apiKey.revokedAt} now={now} />
        </span>
      ) : apiKey.expiresAt ? (
        <span className="text-xs text-zinc-500">
          {apiKey.status === "expired" ? "Expired" : "Expires"} <Moment date={apiKey.expiresAt} now={now} />
        </span>
      ) : null}
    </div>
  );
}

/**
 * The user's keys. On narrower screens the less important columns fold away (the key and status
 * into the name cell on a phone); anything still too wide scrolls inside the table's box rather
 * than widening the page.
 */
export function ApiKeyTable({ apiKeys }: { apiKeys: ApiKeySummary[] }) {
  const now = new Date();
  return (
    <Table caption="Your API keys">
      <TableHead>
        <tr>
          <TableHeaderCell>Name</TableHeaderCell>
          <TableHeaderCell className="hidden sm:table-cell">Key</TableHeaderCell>
          <TableHeaderCell className="hidden lg:table-cell">Created</TableHeaderCell>
          <TableHeaderCell className="hidden md:table-cell">Last used</TableHeaderCell>
          <TableHeaderCell>Spent</TableHeaderCell>
          <TableHeaderCell className="hidden sm:table-cell">Status</TableHeaderCell>
          <TableHeaderCell>
            <span className="sr-only">Actions</span>
          </TableHeaderCell>
        </tr>
      </TableHead>
      <TableBody>
        {apiKeys.map((key) => (
          <TableRow key={key.id}>
            <TableCell>
              <div className="max-w-48 truncate font-medium text-zinc-900" title={key.name}>
                {key.name}
              </div>
              {key.rateLimitRpm !== null ? <div className="text-xs text-zinc-500">{key.rateLimitRpm.toLocaleString("en-US")} requests/min</div> : null}
              <div className="mt-1 flex flex-col items-start gap-1 sm:hidden">
                <code className="font-mono text-xs text-zinc-600">{key.display}</code>
                <StatusCell apiKey={key} now={now} />
              </div>
            </TableCell>
            <TableCell className="hidden sm:table-cell">
              <code className="font-mono text-xs text-zinc-600">{key.display}</code>
            </TableCell>
            <TableCell className="hidden lg:table-cell">
              <Moment date={key.createdAt} now={now} />
            </TableCell>
            <TableCell className="hidden md:table-cell">
              {key.lastUsedAt ? <Moment date={key.lastUsedAt} relative now={now} /> : <span className="text-zinc-500">Never</span>}
            </TableCell>
            <TableCell className="tabular-nums">
              <div>{formatUsd(key.spent)}</div>
              <div className="text-xs text-zinc-500">{key.spendLimit !== null ? `of ${formatUsd(key.spendLimit)} limit` : "No limit"}</div>
            </TableCell>
            <TableCell className="hidden sm:table-cell">
              <StatusCell apiKey={key} now={now} />
            </TableCell>
            <TableCell>
              {/* flex, not text-right: the revoke dialog lives inside this cell and would inherit the alignment. */}
              <div className="flex justify-end">
                {key.status === "revoked" ? null : <RevokeApiKeyButton apiKeyId={key.id} name={key.name} display={key.display} />}
              </div>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
