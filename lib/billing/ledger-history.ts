// The ledger as the billing page shows it: every movement with the balance after it, except that
// request charges, which can number thousands a day, are grouped into one line per run of
// consecutive charges within a UTC day (a top-up in the middle of a day splits the run, so every
// line's running balance is still a real balance the account had). The CSV export lists every
// movement, ungrouped, with exact decimal amounts.
import "server-only";
import { nanosToDecimalString } from "@/lib/credits/money";
import { db } from "@/lib/db";
import type { LedgerKind } from "@/lib/generated/prisma/enums";
import type { CsvValue } from "@/lib/usage/csv";

export const LEDGER_PAGE_SIZE = 25;

export interface LedgerLine {
  /** The newest entry's id in the line; stable across pages. */
  id: string;
  kind: LedgerKind;
  description: string;
  /** Signed nano-dollars: the line's total. */
  amount: bigint;
  /** The balance right after the line's last movement. */
  balanceAfter: bigint;
  /** Movements in the line (more than one only for grouped request charges). */
  count: number;
  firstAt: Date;
  lastAt: Date;
  /** Stripe's receipt, for top-ups. */
  receiptUrl: string | null;
}

export interface LedgerPage {
  lines: LedgerLine[];
  page: number;
  pageCount: number;
}

interface LineRow {
  lastId: bigint;
  kind: LedgerKind;
  description: string;
  reference: string;
  amount: bigint;
  balanceAfter: bigint;
  count: number;
  firstAt: Date;
  lastAt: Date;
  totalLines: number;
}

export async function listLedgerLines(userId: string, requestedPage = 1, pageSize = LEDGER_PAGE_SIZE): Promise<LedgerPage> {
  const page = Math.max(1, Math.floor(requestedPage));
  // Gaps and islands: within a UTC day, consecutive request charges share (row number overall −
  // row number among that day's charges); every other movement is a line of its own.
  const rows = await db.$queryRaw<LineRow[]>`
    WITH entries AS (
      SELECT e.*, e."createdAt"::date AS day,
             ROW_NUMBER() OVER (ORDER BY e."id") - ROW_NUMBER() OVER (PARTITION BY e."kind" = 'REQUEST_CHARGE', e."createdAt"::date ORDER BY e."id") AS island
      FROM "LedgerEntry" AS e WHERE e."userId" = ${userId}
    ), lines AS (
      SELECT MAX("id") AS "lastId",
             (ARRAY_AGG("kind" ORDER BY "id" DESC))[1] AS kind,
             (ARRAY_AGG("description" ORDER BY "id" DESC))[1] AS description,
             (ARRAY_AGG("reference" ORDER BY "id" DESC))[1] AS reference,
             SUM("amount")::bigint AS amount,
             (ARRAY_AGG("balanceAfter" ORDER BY "id" DESC))[1] AS "balanceAfter",
             COUNT(*)::int AS count,
             MIN("createdAt") AS "firstAt",
             MAX("createdAt") AS "lastAt"
      FROM entries
      GROUP BY CASE WHEN "kind" = 'REQUEST_CHARGE' THEN 'charges:' || day || ':' || island ELSE 'entry:' || "id" END
    )
    SELECT *, (COUNT(*) OVER ())::int AS "totalLines" FROM lines
    ORDER BY "lastId" DESC
    LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`;

  const receipts = await receiptUrls(rows.map((row) => row.reference));
  const totalLines = rows[0]?.totalLines ?? 0;
  return {
    page,
    pageCount: Math.max(1, Math.ceil(totalLines / pageSize)),
    lines: rows.map((row) => ({
      id: row.lastId.toString(),
      kind: row.kind,
      description: row.count > 1 ? `${row.count.toLocaleString("en-US")} requests` : row.description,
      amount: row.amount,
      balanceAfter: row.balanceAfter,
      count: row.count,
      firstAt: row.firstAt,
      lastAt: row.lastAt,
      receiptUrl: receipts.get(row.reference) ?? null,
    })),
  };
}

/** Receipt URLs of the top-ups behind ledger references ("stripe-session:cs_…", "stripe-payment-intent:pi_…"). */
async function receiptUrls(references: string[]): Promise<Map<string, string>> {
  const sessions = references.flatMap((r) => (r.startsWith("stripe-session:") ? [r.slice("stripe-session:".length)] : []));
  const intents = references.flatMap((r) => (r.startsWith("stripe-payment-intent:") ? [r.slice("stripe-payment-intent:".length)] : []));
  if (sessions.length === 0 && intents.length === 0) return new Map();
  const topUps = await db.topUp.findMany({
    where: { OR: [{ stripeSessionId: { in: sessions } }, { paymentIntentId: { in: intents } }], receiptUrl: { not: null } },
    select: { stripeSessionId: true, paymentIntentId: true, receiptUrl: true },
  });
  const urls = new Map<string, string>();
  for (const topUp of topUps) {
    if (topUp.stripeSessionId) urls.set(`stripe-session:${topUp.stripeSessionId}`, topUp.receiptUrl!);
    if (topUp.paymentIntentId) urls.set(`stripe-payment-intent:${topUp.paymentIntentId}`, topUp.receiptUrl!);
  }
  return urls;
}

export const LEDGER_CSV_HEADER = ["created_at_utc", "kind", "description", "amount_usd", "balance_after_usd", "reference"];

/** Every movement, oldest first, in batches, as CSV values with exact nine-decimal amounts. */
export async function* ledgerCsvRows(userId: string, batchSize = 1_000): AsyncGenerator<CsvValue[]> {
  let after = -1n;
  for (;;) {
    const batch = await db.ledgerEntry.findMany({ where: { userId, id: { gt: after } }, orderBy: { id: "asc" }, take: batchSize });
    for (const entry of batch) {
      yield [
        entry.createdAt.toISOString(),
        entry.kind.toLowerCase(),
        entry.description,
        nanosToDecimalString(entry.amount),
        nanosToDecimalString(entry.balanceAfter),
        entry.reference,
      ];
    }
    if (batch.length < batchSize) return;
    after = batch[batch.length - 1]!.id;
  }
}
