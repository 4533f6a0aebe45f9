"use client";

import { useActionState } from "react";
import { useFormStatus } from "react-dom";
import { startTopUpAction } from "@/app/(console)/billing/actions";
import { FormAlert, fieldError } from "@/components/ui/form-alert";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { SubmitButton } from "@/components/ui/submit-button";
import { formatCents, MAX_TOP_UP_CENTS, MIN_TOP_UP_CENTS, TOP_UP_PRESETS_CENTS } from "@/lib/billing/amounts";
import type { FormFailure } from "@/lib/form-errors";

/** "$10" for the preset buttons: whole dollars read best on a button. */
function presetLabel(cents: number): string {
  return `$${(cents / 100).toLocaleString("en-US")}`;
}

/** One preset: a submit button carrying its amount, busy while its own checkout is being created. */
function PresetButton({ cents }: { cents: number }) {
  const { pending, data } = useFormStatus();
  const value = String(cents / 100);
  return (
    <Button
      type="submit"
      name="amount"
      value={value}
      variant="secondary"
      className="h-12 text-base"
      loading={pending && data?.get("amount") === value}
      disabled={pending}
    >
      {presetLabel(cents)}
    </Button>
  );
}

/**
 * "Add credit": preset amounts and a custom one. Each creates a Stripe Checkout Session on the
 * server and the browser is sent to Stripe's payment page; it comes back to /billing/top-ups/<id>.
 */
export function AddCreditForm() {
  const [state, formAction] = useActionState<FormFailure | null, FormData>(startTopUpAction, null);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Add credit</CardTitle>
        <CardDescription>Pay by card on Stripe&rsquo;s secure page. The credit is added as soon as Stripe confirms the payment.</CardDescription>
      </CardHeader>
      <CardBody className="flex flex-col gap-5">
        <form action={formAction} aria-label="Add a preset amount">
          <div className="grid grid-cols-2 gap-2 sm:grid-cols-4">
            {TOP_UP_PRESETS_CENTS.map((cents) => (
              <PresetButton key={cents} cents={cents} />
            ))}
          </div>
        </form>
        <form action={formAction} className="flex flex-col gap-3 sm:flex-row sm:items-start" aria-label="Add a custom amount">
          <Field
            label="Custom amount (USD)"
            hint={`Between ${formatCents(MIN_TOP_UP_CENTS)} and ${formatCents(MAX_TOP_UP_CENTS)}.`}
            error={fieldError(state, "amount")}
            className="flex-1"
          >
            <Input name="amount" inputMode="decimal" autoComplete="off" placeholder="50.00" defaultValue={state?.values?.amount} />
          </Field>
          <SubmitButton className="sm:mt-7">Continue to payment</SubmitButton>
        </form>
        <FormAlert state={state} fields={["amount"]} />
      </CardBody>
    </Card>
  );
}
