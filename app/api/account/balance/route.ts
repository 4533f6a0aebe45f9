import { getBalance } from "@/lib/credits/ledger";
import { getSessionUser } from "@/lib/auth/session";
import { toBalanceResponse } from "@/lib/contracts/balance-response";

export const dynamic = "force-dynamic";

/** The signed-in user's credit: what the console header and dashboard refresh with useBalance(). */
export async function GET() {
  const user = await getSessionUser();
  if (!user) return Response.json({ error: { message: "Sign in to see your balance.", code: "unauthenticated" } }, { status: 401 });
  const balance = await getBalance(user.id);
  return Response.json(toBalanceResponse(balance), { headers: { "Cache-Control": "no-store" } });
}
