"use client";

import Link from "next/link";
import { Skeleton } from "@/components/ui/skeleton";
import { cx } from "@/components/ui/class-names";
import { focusRing } from "@/components/ui/focus-ring";
import type { BalanceResponse } from "@/lib/contracts/balance-response";
import { useBalance } from "./use-balance";

/** The balance in the console header, linking to Billing. */
export function BalanceIndicator({ initialData }: { initialData: BalanceResponse }) {
  const { data, isError } = useBalance({ initialData });
  return (
    <Link href="/billing" className={cx("flex items-center gap-2 rounded-md px-2.5 py-1.5 text-sm hover:bg-zinc-100", focusRing)}>
      <span className="text-zinc-500">Balance</span>
      {data ? (
        <span className="font-semibold text-zinc-900 tabular-nums" data-testid="header-balance">
          {data.formatted.available}
        </span>
      ) : isError ? (
        <span className="text-zinc-500">unavailable</span>
      ) : (
        <Skeleton className="h-4 w-12" />
      )}
    </Link>
  );
}
