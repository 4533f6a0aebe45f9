import { getSessionUser } from "@/lib/auth/session";
import { LEDGER_CSV_HEADER, ledgerCsvRows } from "@/lib/billing/ledger-history";
import { csvResponse } from "@/lib/usage/csv";

export const dynamic = "force-dynamic";

/** The signed-in user's whole ledger as CSV, one row per movement, amounts as exact decimals. */
export async function GET() {
  const user = await getSessionUser();
  if (!user) return Response.json({ error: { message: "Sign in to export your ledger.", code: "unauthenticated" } }, { status: 401 });
  return csvResponse(`ecolink-ledger-${new Date().toISOString().slice(0, 10)}.csv`, LEDGER_CSV_HEADER, ledgerCsvRows(user.id));
}
