"use client";

// The signed-in user's balance on the client. Anything that changes it (a playground request, a
// top-up) calls queryClient.invalidateQueries({ queryKey: BALANCE_QUERY_KEY }) to refresh every
// place that shows it.
import { useQuery } from "@tanstack/react-query";
import { balanceResponseSchema, type BalanceResponse } from "@/lib/contracts/balance-response";

export const BALANCE_QUERY_KEY = ["balance"] as const;

async function fetchBalance(): Promise<BalanceResponse> {
  const response = await fetch("/api/account/balance", { cache: "no-store" });
  if (!response.ok) throw new Error(response.status === 401 ? "Your session has ended. Sign in again." : "Could not load your balance.");
  return balanceResponseSchema.parse(await response.json());
}

/** `initialData` (rendered by the server) shows the balance without a loading state on first paint. */
export function useBalance(options: { initialData?: BalanceResponse } = {}) {
  return useQuery({ queryKey: BALANCE_QUERY_KEY, queryFn: fetchBalance, initialData: options.initialData, refetchOnWindowFocus: true });
}
