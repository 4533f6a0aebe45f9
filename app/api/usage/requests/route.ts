import type { NextRequest } from "next/server";
import { getSessionUser } from "@/lib/auth/session";
import { csvResponse } from "@/lib/usage/csv";
import { parseRequestLogFilters, REQUEST_LOG_CSV_HEADER, requestLogCsvRows } from "@/lib/usage/request-log";

export const dynamic = "force-dynamic";

/** The signed-in user's request log as CSV, with the usage page's filters (model, key, status, from, to). */
export async function GET(request: NextRequest) {
  const user = await getSessionUser();
  if (!user) return Response.json({ error: { message: "Sign in to export your requests.", code: "unauthenticated" } }, { status: 401 });
  const filters = parseRequestLogFilters(request.nextUrl.searchParams);
  return csvResponse(`ecolink-requests-${new Date().toISOString().slice(0, 10)}.csv`, REQUEST_LOG_CSV_HEADER, requestLogCsvRows(user.id, filters));
}
