// The JSON contract of GET /api/billing/top-ups/:id, shared by the route (which builds it) and
// useTopUp() (which validates it and polls it until Stripe's webhook has landed).
import { z } from "zod";
import type { TopUpView } from "@/lib/billing/top-ups";
import { formatUsd, nanosToDecimalString } from "@/lib/credits/money";

export const topUpResponseSchema = z.object({
  id: z.string(),
  status: z.enum(["pending", "credited", "failed", "expired", "refunded"]),
  /** Exact decimal dollars ("10.000000000") and the same for people ("$10.00"). */
  amount: z.string(),
  formattedAmount: z.string(),
  automatic: z.boolean(),
  receiptUrl: z.string().nullable(),
  failureMessage: z.string().nullable(),
  createdAt: z.string(),
});

export type TopUpResponse = z.infer<typeof topUpResponseSchema>;

export function toTopUpResponse(topUp: TopUpView): TopUpResponse {
  return {
    id: topUp.id,
    status: topUp.status.toLowerCase() as TopUpResponse["status"],
    amount: nanosToDecimalString(topUp.amount),
    formattedAmount: formatUsd(topUp.amount),
    automatic: topUp.automatic,
    receiptUrl: topUp.receiptUrl,
    failureMessage: topUp.failureMessage,
    createdAt: topUp.createdAt.toISOString(),
  };
}
