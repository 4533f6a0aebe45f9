"use client";

import Link from "next/link";
import { buttonClasses } from "@/components/ui/button";
import { Card, CardBody } from "@/components/ui/card";
import { Alert } from "@/components/ui/alert";
import type { BalanceResponse } from "@/lib/contracts/balance-response";
import { useBalance } from "./use-balance";

/** The dashboard's credit summary: balance, what in-flight requests hold, and what is left to spend. */
export function BalanceCard({ initialData }: { initialData: BalanceResponse }) {
  const { data, error } = useBalance({ initialData });
  if (!data) return <Alert variant="danger">{error?.message ?? "Could not load your balance."}</Alert>;
  return (
    <Card>
      <CardBody className="flex flex-col gap-5 p-6 sm:flex-row sm:items-end sm:justify-between">
        <dl className="grid grid-cols-2 gap-x-10 gap-y-4 sm:flex sm:gap-12">
          <div className="col-span-2 sm:col-span-1">
            <dt className="text-sm text-zinc-500">Balance</dt>
            <dd className="mt-1 text-3xl font-semibold tracking-tight tabular-nums" data-testid="dashboard-balance">
              {data.formatted.balance}
            </dd>
          </div>
          <div>
            <dt className="text-sm text-zinc-500">Held by running requests</dt>
            <dd className="mt-1 text-lg font-medium tabular-nums">{data.formatted.held}</dd>
          </div>
          <div>
            <dt className="text-sm text-zinc-500">Available</dt>
            <dd className="mt-1 text-lg font-medium tabular-nums">{data.formatted.available}</dd>
          </div>
        </dl>
        <Link href="/billing" className={buttonClasses({ variant: "secondary" })}>
          Add credit
        </Link>
      </CardBody>
    </Card>
  );
}
