import { processStripeEvent, STRIPE_WEBHOOK_MAX_BYTES, verifyStripeEvent } from "@/lib/billing/webhook";
import { isDomainError, type DomainErrorCode } from "@/lib/errors";
import { readBodyText } from "@/lib/http/read-body";

export const dynamic = "force-dynamic";

const STATUS: Partial<Record<DomainErrorCode, number>> = { not_configured: 503, payload_too_large: 413 };

/**
 * Stripe's webhook endpoint. The signature covers the exact bytes Stripe sent, so the body is read
 * as text and verified before it is parsed. Anyone can POST here, so the body is read with a limit
 * and an oversized one is refused as soon as it passes it (413), without reading the rest. 400
 * tells Stripe the delivery is bad (and changes nothing); a 500 (database or Stripe unreachable)
 * makes Stripe deliver it again later.
 */
export async function POST(request: Request) {
  try {
    const payload = await readBodyText(request, STRIPE_WEBHOOK_MAX_BYTES);
    const event = verifyStripeEvent(payload, request.headers.get("stripe-signature"));
    const outcome = await processStripeEvent(event);
    return Response.json({ received: true, outcome });
  } catch (error) {
    if (!isDomainError(error)) throw error;
    return Response.json({ error: error.message }, { status: STATUS[error.code] ?? 400 });
  }
}
