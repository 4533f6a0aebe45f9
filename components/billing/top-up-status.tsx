"use client";

import Link from "next/link";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { BALANCE_QUERY_KEY, useBalance } from "@/components/console/use-balance";
import { Alert } from "@/components/ui/alert";
import { Badge, type BadgeVariant } from "@/components/ui/badge";
import { buttonClasses } from "@/components/ui/button";
import { Card, CardBody, CardFooter } from "@/components/ui/card";
import { Spinner } from "@/components/ui/spinner";
import { useToast } from "@/components/ui/toast";
import type { TopUpResponse } from "@/lib/contracts/top-up-response";
import { useTopUp } from "./use-top-up";

const STATUS_BADGES: Record<TopUpResponse["status"], BadgeVariant> = {
  pending: "warning",
  credited: "success",
  failed: "danger",
  expired: "neutral",
  refunded: "info",
};

/**
 * Where Stripe Checkout sends the user back: the top-up's state, "pending" until Stripe's webhook
 * has credited it (polled), then "credited" with the new balance and the receipt.
 */
export function TopUpStatus({ initialData, outcome }: { initialData: TopUpResponse; outcome: "success" | "cancelled" | null }) {
  const { data: topUp, error } = useTopUp(initialData.id, initialData);
  const { data: balance } = useBalance();
  const queryClient = useQueryClient();
  const credited = topUp.status === "credited";

  const toast = useToast();
  // Toast only a credit that lands while the user waits here, not one that was there on arrival.
  const creditedOnArrival = useRef(initialData.status === "credited");

  useEffect(() => {
    if (!credited) return;
    void queryClient.invalidateQueries({ queryKey: BALANCE_QUERY_KEY });
    if (!creditedOnArrival.current) toast(`${topUp.formattedAmount} credit added to your balance.`);
  }, [credited, queryClient, toast, topUp.formattedAmount]);

  return (
    <Card>
      <CardBody className="flex flex-col gap-4 p-6">
        <div className="flex flex-wrap items-center gap-3">
          <p className="text-2xl font-semibold tracking-tight tabular-nums">{topUp.formattedAmount}</p>
          <Badge variant={STATUS_BADGES[topUp.status]} data-testid="top-up-status">
            {topUp.status}
          </Badge>
        </div>
        <div aria-live="polite" className="flex flex-col gap-3 text-sm text-zinc-700">
          {topUp.status === "pending" && outcome === "cancelled" ? <p>You left Stripe&rsquo;s payment page before paying, so nothing was charged.</p> : null}
          {topUp.status === "pending" && outcome !== "cancelled" ? <Spinner label="Waiting for Stripe" className="text-zinc-500" /> : null}
          {topUp.status === "pending" && outcome !== "cancelled" ? (
            <p>Waiting for Stripe to confirm the payment. This usually takes a few seconds; the page updates by itself.</p>
          ) : null}
          {credited ? (
            <p>
              {topUp.formattedAmount} was credited to your balance.
              {balance ? (
                <>
                  {" "}
                  Your balance is now <strong data-testid="top-up-balance">{balance.formatted.balance}</strong>.
                </>
              ) : null}
            </p>
          ) : null}
          {topUp.status === "failed" || topUp.status === "expired" ? (
            <Alert variant={topUp.status === "failed" ? "danger" : "info"}>{topUp.failureMessage ?? "This top-up was not paid."} Nothing was charged.</Alert>
          ) : null}
          {topUp.status === "refunded" ? <p>This top-up was refunded to your card.</p> : null}
          {error ? <Alert variant="warning">{error.message} Retrying…</Alert> : null}
        </div>
      </CardBody>
      <CardFooter className="justify-start">
        <Link href="/billing" className={buttonClasses({ variant: credited ? "primary" : "secondary", size: "sm" })}>
          Back to billing
        </Link>
        {topUp.receiptUrl ? (
          <a href={topUp.receiptUrl} target="_blank" rel="noreferrer" className={buttonClasses({ variant: "ghost", size: "sm" })}>
            View receipt
          </a>
        ) : null}
      </CardFooter>
    </Card>
  );
}
