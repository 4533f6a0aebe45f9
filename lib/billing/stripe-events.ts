// The shapes of the Stripe objects EcoLink acts on, checked with Zod after the signature is
// verified: a signed event can still carry a shape we don't expect (another API version, a
// session created by another integration on the same account), and money must not move on a guess.
// Only the fields we read are listed; Stripe's others pass through untouched.
import "server-only";
import { z } from "zod";

const id = (prefix: string) => z.string().startsWith(prefix);
/** An expandable field: the id, or the expanded object (whose id we take). */
const reference = (prefix = "") => z.union([id(prefix), z.object({ id: id(prefix) }).transform((o) => o.id)]);
const metadata = z
  .record(z.string(), z.string())
  .nullish()
  .transform((m) => m ?? {});

export const stripeEventSchema = z.object({
  id: id("evt_"),
  type: z.string().min(1),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
export type StripeEventEnvelope = z.infer<typeof stripeEventSchema>;

export const checkoutSessionSchema = z.object({
  id: id("cs_"),
  object: z.literal("checkout.session"),
  mode: z.string(),
  amount_total: z.number().int().nonnegative().nullable(),
  currency: z.string().nullable(),
  customer: reference("cus_").nullable(),
  payment_intent: reference("pi_").nullable(),
  payment_status: z.enum(["paid", "unpaid", "no_payment_required"]),
  metadata,
});
export type CheckoutSessionPayload = z.infer<typeof checkoutSessionSchema>;

export const paymentIntentSchema = z.object({
  id: id("pi_"),
  object: z.literal("payment_intent"),
  amount: z.number().int().nonnegative(),
  amount_received: z.number().int().nonnegative(),
  currency: z.string(),
  status: z.string(),
  customer: reference("cus_").nullable(),
  // Usually "pm_…", but cards saved through older integrations are "card_…" or "src_…".
  payment_method: reference().nullable(),
  latest_charge: z
    .union([id("ch_"), z.object({ id: id("ch_"), receipt_url: z.string().nullish() })])
    .nullable()
    .optional(),
  last_payment_error: z.object({ message: z.string().optional(), code: z.string().optional() }).nullish(),
  metadata,
});
export type PaymentIntentPayload = z.infer<typeof paymentIntentSchema>;

export const chargeSchema = z.object({
  id: id("ch_"),
  object: z.literal("charge"),
  amount: z.number().int().nonnegative(),
  amount_refunded: z.number().int().nonnegative(),
  currency: z.string(),
  payment_intent: reference("pi_").nullable(),
  receipt_url: z.string().nullish(),
});
export type ChargePayload = z.infer<typeof chargeSchema>;

export const refundSchema = z.object({
  id: id("re_"),
  object: z.literal("refund"),
  amount: z.number().int().nonnegative(),
  currency: z.string(),
  status: z.string().nullable(),
});
export type RefundPayload = z.infer<typeof refundSchema>;

// Dispute ids are "du_…" (older ones "dp_…"). Statuses: warning_* while it is an inquiry (no money
// withdrawn yet), needs_response / under_review once it is a chargeback, then won, lost or
// warning_closed (an inquiry that went no further) — or prevented.
export const disputeSchema = z.object({
  id: z.string().regex(/^(du|dp)_/),
  object: z.literal("dispute"),
  amount: z.number().int().nonnegative(),
  currency: z.string(),
  charge: reference("ch_"),
  payment_intent: reference("pi_").nullish(),
  status: z.string(),
  reason: z.string().nullish(),
});
export type DisputePayload = z.infer<typeof disputeSchema>;

/** Metadata EcoLink puts on the Checkout Sessions and payment intents it creates. */
export const topUpMetadataSchema = z.object({
  user_id: z.string().min(1),
  topup_id: z.string().min(1),
  purpose: z.enum(["top_up", "auto_recharge"]).optional(),
});
