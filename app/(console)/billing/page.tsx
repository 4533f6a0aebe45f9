import type { Metadata } from "next";
import { AddCreditForm } from "@/components/billing/add-credit-form";
import { AutoRechargeForm } from "@/components/billing/auto-recharge-form";
import { BillingBalance } from "@/components/billing/billing-balance";
import { LedgerTable } from "@/components/billing/ledger-table";
import { toBalanceResponse } from "@/lib/contracts/balance-response";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";
import { requireUser } from "@/lib/auth/session";
import { getAutoRechargeState } from "@/lib/billing/auto-recharge";
import { listLedgerLines } from "@/lib/billing/ledger-history";
import { isStripeConfigured } from "@/lib/billing/stripe-client";
import { getBalance } from "@/lib/credits/ledger";

export const metadata: Metadata = { title: "Billing" };

export default async function BillingPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const { ledgerPage } = await searchParams;
  const configured = isStripeConfigured();
  const [balance, ledger, autoRecharge] = await Promise.all([
    getBalance(user.id),
    listLedgerLines(user.id, Number(ledgerPage) || 1),
    configured ? getAutoRechargeState(user.id) : null,
  ]);
  return (
    <div className="flex flex-col gap-8">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight text-zinc-900">Billing</h1>
        <p className="mt-1 max-w-prose text-sm text-zinc-500">
          Your prepaid credit pays for every API call.{configured ? " Add credit by card, or let it recharge automatically." : ""}
        </p>
      </div>

      <section aria-label="Credit">
        <BillingBalance initialData={toBalanceResponse(balance)} />
      </section>

      {autoRecharge ? (
        <div className="grid gap-6 lg:grid-cols-2">
          <AddCreditForm />
          <AutoRechargeForm settings={autoRecharge} />
        </div>
      ) : (
        <Alert variant="warning" title="Top-ups are not configured on this deployment">
          Card payments need Stripe keys (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET). Everything else works; ask the operator to add credit for you.
        </Alert>
      )}

      <section aria-labelledby="ledger-heading" className="flex flex-col gap-3">
        <div className="flex flex-col gap-2 sm:flex-row sm:items-end sm:justify-between">
          <div>
            <h2 id="ledger-heading" className="text-lg font-semibold text-zinc-900">
              Ledger
            </h2>
            <p className="text-sm text-zinc-500">Every change to your balance, newest first. Request charges are grouped by day.</p>
          </div>
          <a href="/api/billing/ledger" download className={buttonClasses({ variant: "secondary", size: "sm" })}>
            Download CSV
          </a>
        </div>
        <LedgerTable ledger={ledger} hrefForPage={(page) => `/billing?ledgerPage=${page}`} />
      </section>
    </div>
  );
}
