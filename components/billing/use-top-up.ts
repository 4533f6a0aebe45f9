"use client";

// One top-up's state on the client, polled while it is pending: the webhook that credits it usually
// lands within seconds of Stripe's redirect back, but can take longer.
import { useQuery } from "@tanstack/react-query";
import { topUpResponseSchema, type TopUpResponse } from "@/lib/contracts/top-up-response";

const POLL_INTERVAL_MS = 2_000;

async function fetchTopUp(id: string): Promise<TopUpResponse> {
  const response = await fetch(`/api/billing/top-ups/${encodeURIComponent(id)}`, { cache: "no-store" });
  if (!response.ok) throw new Error(response.status === 401 ? "Your session has ended. Sign in again." : "Could not check this top-up.");
  return topUpResponseSchema.parse(await response.json());
}

export function useTopUp(id: string, initialData: TopUpResponse) {
  return useQuery({
    queryKey: ["top-up", id],
    queryFn: () => fetchTopUp(id),
    initialData,
    refetchInterval: (query) => (query.state.data?.status === "pending" ? POLL_INTERVAL_MS : false),
  });
}
