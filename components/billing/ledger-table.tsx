import { formatCalendarDate, formatFullDateTime } from "@/components/ui/dates";
import { Pagination } from "@/components/ui/pagination";
import { Badge, type BadgeVariant } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, TableBody, TableCell, TableHead, TableHeaderCell, TableRow } from "@/components/ui/table";
import type { LedgerPage } from "@/lib/billing/ledger-history";
import { formatUsdPrecise } from "@/lib/credits/money";
import type { LedgerKind } from "@/lib/generated/prisma/enums";

const KINDS: Record<LedgerKind, { label: string; variant: BadgeVariant }> = {
  SIGNUP_CREDIT: { label: "Sign-up credit", variant: "info" },
  TOP_UP: { label: "Top-up", variant: "success" },
  REQUEST_CHARGE: { label: "Requests", variant: "neutral" },
  REFUND: { label: "Refund", variant: "warning" },
  ADJUSTMENT: { label: "Adjustment", variant: "neutral" },
  DISPUTE: { label: "Dispute", variant: "danger" },
};

/** Every credit movement with the balance after it; a day's request charges are one line. */
export function LedgerTable({ ledger, hrefForPage }: { ledger: LedgerPage; hrefForPage: (page: number) => string }) {
  if (ledger.lines.length === 0) {
    return <EmptyState title="No credit movements yet" description="Your sign-up credit, top-ups and request charges will be listed here." />;
  }
  return (
    <div className="flex flex-col gap-3">
      <Table caption="Credit ledger, newest first">
        <TableHead>
          <tr>
            <TableHeaderCell>Date (UTC)</TableHeaderCell>
            <TableHeaderCell>Movement</TableHeaderCell>
            <TableHeaderCell className="text-right">Amount</TableHeaderCell>
            <TableHeaderCell className="text-right">Balance</TableHeaderCell>
            <TableHeaderCell>
              <span className="sr-only">Receipt</span>
            </TableHeaderCell>
          </tr>
        </TableHead>
        <TableBody>
          {ledger.lines.map((line) => (
            <TableRow key={line.id}>
              <TableCell className="whitespace-nowrap" title={formatFullDateTime(line.lastAt)}>
                {formatCalendarDate(line.lastAt)}
              </TableCell>
              <TableCell>
                <div className="flex flex-wrap items-center gap-2">
                  <Badge variant={KINDS[line.kind].variant}>{KINDS[line.kind].label}</Badge>
                  <span className="text-zinc-700">{line.description}</span>
                </div>
              </TableCell>
              <TableCell className={`text-right font-medium whitespace-nowrap tabular-nums ${line.amount < 0n ? "text-zinc-900" : "text-emerald-700"}`}>
                {line.amount > 0n ? "+" : ""}
                {formatUsdPrecise(line.amount)}
              </TableCell>
              <TableCell className="text-right whitespace-nowrap tabular-nums">{formatUsdPrecise(line.balanceAfter)}</TableCell>
              <TableCell>
                {line.receiptUrl ? (
                  <a href={line.receiptUrl} target="_blank" rel="noreferrer" className="text-sm font-medium text-emerald-700 hover:underline">
                    Receipt<span className="sr-only"> for the {formatUsdPrecise(line.amount)} top-up (opens Stripe)</span>
                  </a>
                ) : null}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Pagination page={ledger.page} pageCount={ledger.pageCount} hrefFor={hrefForPage} label="Ledger pages" />
    </div>
  );
}
