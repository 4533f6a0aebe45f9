import { toTopUpResponse } from "@/lib/contracts/top-up-response";
import { getSessionUser } from "@/lib/auth/session";
import { getTopUp } from "@/lib/billing/top-ups";
import { isDomainError } from "@/lib/errors";

export const dynamic = "force-dynamic";

/** One of the signed-in user's top-ups: what the return page from Checkout polls until it is credited. */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const user = await getSessionUser();
  if (!user) return Response.json({ error: { message: "Sign in to see your top-ups.", code: "unauthenticated" } }, { status: 401 });
  const { id } = await params;
  try {
    return Response.json(toTopUpResponse(await getTopUp(user.id, id)), { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    if (isDomainError(error) && error.code === "not_found") return Response.json({ error: { message: error.message, code: error.code } }, { status: 404 });
    throw error;
  }
}
