import { processStripeEvent, verifyStripeEvent } from "@/lib/billing/webhook";
import { isDomainError } from "@/lib/errors";

export const dynamic = "force-dynamic";

/**
 * Stripe's webhook endpoint. The signature covers the exact bytes Stripe sent, so the body is read
 * as text and verified before it is parsed. 400 tells Stripe the delivery is bad (and changes
 * nothing); a 500 (database or Stripe unreachable) makes Stripe deliver it again later.
 */
export async function POST(request: Request) {
  const payload = await request.text();
  try {
    const event = verifyStripeEvent(payload, request.headers.get("stripe-signature"));
    const outcome = await processStripeEvent(event);
    return Response.json({ received: true, outcome });
  } catch (error) {
    if (!isDomainError(error)) throw error;
    return Response.json({ error: error.message }, { status: error.code === "not_configured" ? 503 : 400 });
  }
}
