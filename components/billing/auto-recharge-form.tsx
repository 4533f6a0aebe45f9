"use client";

import { useActionState, useEffect, useState } from "react";
import { saveAutoRechargeAction, type AutoRechargeResult } from "@/app/(console)/billing/actions";
import { FormAlert, fieldError } from "@/components/ui/form-alert";
import { Alert } from "@/components/ui/alert";
import { Card, CardBody, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { SubmitButton } from "@/components/ui/submit-button";
import { useToast } from "@/components/ui/toast";
import type { AutoRechargeState } from "@/lib/billing/auto-recharge";

function dollars(cents: number | null, fallback: string): string {
  return cents === null ? fallback : (cents / 100).toFixed(2);
}

/** Auto-recharge settings: a switch, the threshold and the amount; and what happened to the last one. */
export function AutoRechargeForm({ settings }: { settings: AutoRechargeState }) {
  const [state, formAction] = useActionState<AutoRechargeResult | null, FormData>(saveAutoRechargeAction, null);
  const [enabled, setEnabled] = useState(settings.enabled);
  const values = state && !state.ok ? state.values : undefined;
  const toast = useToast();

  useEffect(() => {
    if (state?.ok) toast(state.message);
  }, [state, toast]);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Auto-recharge</CardTitle>
        <CardDescription>Keep requests running: when your balance falls below a threshold, we charge your saved card.</CardDescription>
      </CardHeader>
      <CardBody>
        <form action={formAction} className="flex flex-col gap-4">
          {settings.lastError ? (
            <Alert variant="danger" title="The last auto-recharge failed">
              {settings.lastError} Auto-recharge was turned off; check your card, then turn it back on.
            </Alert>
          ) : null}
          {settings.inFlight ? <Alert variant="info">An automatic top-up is being processed.</Alert> : null}
          {!settings.hasSavedCard ? (
            <p className="text-sm text-zinc-600">Your card is saved when you add credit. Make a first top-up, then turn auto-recharge on here.</p>
          ) : null}
          <label className="flex items-center gap-3 text-sm font-medium text-zinc-800">
            <input
              type="checkbox"
              name="enabled"
              checked={enabled}
              onChange={(event) => setEnabled(event.target.checked)}
              disabled={!settings.hasSavedCard && !settings.enabled}
              className="size-4 rounded border-zinc-300 accent-emerald-600"
            />
            Recharge automatically
          </label>
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label="When the balance falls below (USD)" error={fieldError(state, "thresholdCents")}>
              <Input
                name="thresholdCents"
                inputMode="decimal"
                autoComplete="off"
                disabled={!enabled}
                defaultValue={values?.thresholdCents ?? dollars(settings.thresholdCents, "5.00")}
              />
            </Field>
            <Field label="Add this amount (USD)" error={fieldError(state, "amountCents")}>
              <Input
                name="amountCents"
                inputMode="decimal"
                autoComplete="off"
                disabled={!enabled}
                defaultValue={values?.amountCents ?? dollars(settings.amountCents, "20.00")}
              />
            </Field>
          </div>
          <FormAlert state={state} fields={enabled ? ["thresholdCents", "amountCents"] : []} />
          <div>
            <SubmitButton variant="secondary" disabled={!settings.hasSavedCard && !settings.enabled}>
              Save auto-recharge
            </SubmitButton>
          </div>
        </form>
      </CardBody>
    </Card>
  );
}
