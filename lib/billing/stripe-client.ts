// The Stripe SDK client of the process, configured from env: STRIPE_SECRET_KEY (no key means top-ups
// are not configured and billing says so), and STRIPE_API_BASE to point it at another
// Stripe-compatible server (the test suite's fake, a staging mock).
import "server-only";
import Stripe from "stripe";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";

let cached: { key: string; client: Stripe } | undefined;

/** Top-ups need both keys: without the webhook secret a paid Checkout could never be credited. */
export function isStripeConfigured(): boolean {
  const { STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET } = env();
  return Boolean(STRIPE_SECRET_KEY && STRIPE_WEBHOOK_SECRET);
}

export function stripeClient(): Stripe {
  const { STRIPE_SECRET_KEY: key, STRIPE_API_BASE: base } = env();
  if (!key || !isStripeConfigured()) throw new DomainError("not_configured", "Top-ups are not configured on this deployment.");
  if (cached?.key === key) return cached.client;
  const apiBase = base ? new URL(base) : null;
  const client = new Stripe(key, {
    // Retries reuse the request's idempotency key, so a retried create never charges twice.
    maxNetworkRetries: 2,
    timeout: 20_000,
    ...(apiBase
      ? { host: apiBase.hostname, port: apiBase.port || (apiBase.protocol === "https:" ? 443 : 80), protocol: apiBase.protocol === "https:" ? "https" : "http" }
      : {}),
  });
  cached = { key, client };
  return client;
}

export function webhookSecret(): string {
  const secret = env().STRIPE_WEBHOOK_SECRET;
  if (!secret) throw new DomainError("not_configured", "Stripe webhooks are not configured on this deployment.");
  return secret;
}

/**
 * Runs a Stripe API call on the user's behalf; Stripe being unreachable or refusing the request
 * becomes an upstream_error with `failure` as the sentence the user sees (the cause is logged).
 */
export async function callStripe<T>(call: (stripe: Stripe) => Promise<T>, failure: string): Promise<T> {
  const stripe = stripeClient();
  try {
    return await call(stripe);
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeError)) throw error;
    console.error(`Stripe API call failed (${error.type}, request ${error.requestId ?? "unknown"}):`, error.message);
    throw new DomainError("upstream_error", failure);
  }
}
