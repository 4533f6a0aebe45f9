"use client";

import type { BalanceResponse } from "@/lib/contracts/balance-response";
import { useBalance } from "@/components/console/use-balance";
import { Alert } from "@/components/ui/alert";
import { Card, CardBody } from "@/components/ui/card";

/** The balance as money, what running requests hold, and what is left; refreshed with the header's. */
export function BillingBalance({ initialData }: { initialData: BalanceResponse }) {
  const { data, error } = useBalance({ initialData });
  if (!data) return <Alert variant="danger">{error?.message ?? "Could not load your balance."}</Alert>;
  const figures = [
    { label: "Balance", value: data.formatted.balance, testId: "billing-balance", large: true },
    { label: "Held by in-flight requests", value: data.formatted.held, testId: "billing-held", large: false },
    { label: "Available to spend", value: data.formatted.available, testId: "billing-available", large: false },
  ];
  return (
    <Card>
      <CardBody className="p-6">
        <dl className="grid grid-cols-2 gap-x-10 gap-y-4 sm:flex sm:gap-12">
          {figures.map((figure) => (
            <div key={figure.label} className={figure.large ? "col-span-2 sm:col-span-1" : undefined}>
              <dt className="text-sm text-zinc-500">{figure.label}</dt>
              <dd
                className={figure.large ? "mt-1 text-3xl font-semibold tracking-tight tabular-nums" : "mt-1 text-lg font-medium tabular-nums"}
                data-testid={figure.testId}
              >
                {figure.value}
              </dd>
            </div>
          ))}
        </dl>
      </CardBody>
    </Card>
  );
}
