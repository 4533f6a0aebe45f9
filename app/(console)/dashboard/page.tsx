import type { Metadata } from "next";
import Link from "next/link";
import { BalanceCard } from "@/components/console/balance-card";
import { toBalanceResponse } from "@/lib/contracts/balance-response";
import { Quickstart } from "@/components/console/quickstart";
import { buttonClasses } from "@/components/ui/button";
import { Card, CardBody, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { deploymentOrigin } from "@/lib/auth/origin";
import { requireUser } from "@/lib/auth/session";
import { getBalance } from "@/lib/credits/ledger";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const user = await requireUser();
  const [balance, origin] = await Promise.all([getBalance(user.id), deploymentOrigin()]);
  const baseUrl = `${origin}/v1`;
  return (
    <div className="flex flex-col gap-8">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Dashboard</h1>
        <p className="mt-1 text-sm text-zinc-500">Signed in as {user.email}</p>
      </div>

      <section aria-label="Credit">
        <BalanceCard initialData={toBalanceResponse(balance)} />
      </section>

      <Card>
        <CardHeader className="sm:flex-row sm:items-center sm:justify-between">
          <div>
            <CardTitle>Quickstart</CardTitle>
            <CardDescription>
              EcoLink speaks the OpenAI API: point any OpenAI client at{" "}
              <code className="rounded bg-zinc-100 px-1 py-0.5 font-mono text-xs text-zinc-800">{baseUrl}</code>.
            </CardDescription>
          </div>
          <Link href="/api-keys" className={buttonClasses({ className: "mt-3 sm:mt-0" })}>
            Create an API key
          </Link>
        </CardHeader>
        <CardBody className="flex flex-col gap-4">
          <ol className="list-inside list-decimal space-y-1 text-sm text-zinc-600">
            <li>
              <Link href="/api-keys" className="font-medium text-emerald-700 hover:underline">
                Create an API key
              </Link>{" "}
              and export it: <code className="font-mono text-xs text-zinc-800">export ECOLINK_API_KEY=eco_…</code>
            </li>
            <li>Send your first request:</li>
          </ol>
          <Quickstart baseUrl={baseUrl} />
        </CardBody>
      </Card>
    </div>
  );
}
