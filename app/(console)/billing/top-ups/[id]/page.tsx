import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { TopUpStatus } from "@/components/billing/top-up-status";
import { toTopUpResponse } from "@/lib/contracts/top-up-response";
import { formatFullDateTime } from "@/components/ui/dates";
import { requireUser } from "@/lib/auth/session";
import { getTopUp } from "@/lib/billing/top-ups";
import { isDomainError } from "@/lib/errors";

export const metadata: Metadata = { title: "Top-up" };

/** Stripe Checkout's success and cancel URLs both land here (?checkout=success|cancelled). */
export default async function TopUpPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ checkout?: string | string[] }>;
}) {
  const user = await requireUser();
  const [{ id }, { checkout }] = await Promise.all([params, searchParams]);
  const topUp = await getTopUp(user.id, id).catch((error: unknown) => {
    if (isDomainError(error) && error.code === "not_found") notFound();
    throw error;
  });
  const outcome = checkout === "success" || checkout === "cancelled" ? checkout : null;
  return (
    <div className="mx-auto flex max-w-xl flex-col gap-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight text-zinc-900">
          {outcome === "cancelled" ? "Checkout cancelled" : topUp.automatic ? "Auto-recharge" : "Top-up"}
        </h1>
        <p className="mt-1 text-sm text-zinc-500">Started {formatFullDateTime(topUp.createdAt)}</p>
      </div>
      <TopUpStatus initialData={toTopUpResponse(topUp)} outcome={outcome} />
    </div>
  );
}
