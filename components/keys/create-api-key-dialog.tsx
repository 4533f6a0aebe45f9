"use client";

import { startTransition, useActionState, useEffect, useId, useState } from "react";
import { createApiKeyAction, type CreateApiKeyResult } from "@/app/(console)/api-keys/actions";
import { FormAlert, fieldError } from "@/components/ui/form-alert";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { useToast } from "@/components/ui/toast";
import { NewApiKeyPanel } from "./new-api-key-panel";

const EXPIRATIONS = [
  { value: "never", label: "Never" },
  { value: "7", label: "In 7 days" },
  { value: "30", label: "In 30 days" },
  { value: "90", label: "In 90 days" },
  { value: "365", label: "In 1 year" },
  { value: "custom", label: "On a date…" },
] as const;
type Expiration = (typeof EXPIRATIONS)[number]["value"];

const DAY_MS = 24 * 60 * 60 * 1000;

/** The expiry the server receives: an instant, so that "on a date" means the end of that day where the user is. */
function expiryInstant(expiration: Expiration, customDate: string): string {
  if (expiration === "never") return "";
  if (expiration === "custom") return customDate ? new Date(`${customDate}T23:59:59.999`).toISOString() : "";
  return new Date(Date.now() + Number(expiration) * DAY_MS).toISOString();
}

function localDateString(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** "Create API key": a dialog with the form, which turns into the show-once panel when the key is made. */
export function CreateApiKeyDialog({ defaultRateLimitRpm }: { defaultRateLimitRpm: number }) {
  const [open, setOpen] = useState(false);
  // A fresh form (and no trace of the last secret) every time the dialog opens.
  const [generation, setGeneration] = useState(0);

  function close() {
    setOpen(false);
    setGeneration((n) => n + 1);
  }

  return (
    <>
      <Button onClick={() => setOpen(true)}>Create API key</Button>
      <CreateApiKeyDialogBody key={generation} open={open} onClose={close} defaultRateLimitRpm={defaultRateLimitRpm} />
    </>
  );
}

function CreateApiKeyDialogBody({ open, onClose, defaultRateLimitRpm }: { open: boolean; onClose: () => void; defaultRateLimitRpm: number }) {
  const [state, formAction, pending] = useActionState<CreateApiKeyResult | null, FormData>(createApiKeyAction, null);
  const [expiration, setExpiration] = useState<Expiration>("never");
  const [customDate, setCustomDate] = useState("");
  const [dateError, setDateError] = useState<string | null>(null);
  const formId = useId();
  const toast = useToast();

  useEffect(() => {
    if (state?.ok) toast(`API key “${state.name}” created.`);
  }, [state, toast]);

  if (state?.ok) {
    return (
      <Dialog open={open} onClose={onClose} title="Save your API key" footer={<Button onClick={onClose}>Done</Button>}>
        <NewApiKeyPanel name={state.name} secret={state.secret} />
      </Dialog>
    );
  }

  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="Create an API key"
      description="Use it in the Authorization header of your API requests."
      footer={
        <>
          <Button variant="secondary" onClick={onClose} disabled={pending}>
            Cancel
          </Button>
          <Button type="submit" form={formId} loading={pending}>
            Create key
          </Button>
        </>
      }
    >
      <form
        id={formId}
        noValidate
        className="flex flex-col gap-4"
        // Submitted by hand rather than through `action` so that React doesn't reset the form after
        // each attempt: what the user typed stays put while they fix a field.
        onSubmit={(event) => {
          event.preventDefault();
          if (expiration === "custom" && !customDate) {
            setDateError("Choose the day the key should stop working.");
            return;
          }
          setDateError(null);
          const formData = new FormData(event.currentTarget);
          formData.set("expiresAt", expiryInstant(expiration, customDate));
          startTransition(() => formAction(formData));
        }}
      >
        <FormAlert state={state} fields={["name", "expiresAt", "spendLimit", "rateLimitRpm"]} />
        <Field label="Name" error={fieldError(state, "name")} hint="Something to recognise it by, like “Production server”.">
          <Input name="name" required autoFocus autoComplete="off" />
        </Field>
        <Field label="Expires" error={expiration === "custom" ? undefined : fieldError(state, "expiresAt")}>
          <Select value={expiration} onChange={(event) => setExpiration(event.target.value as Expiration)}>
            {EXPIRATIONS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </Select>
        </Field>
        {expiration === "custom" ? (
          <Field label="Expiry date" error={dateError ?? fieldError(state, "expiresAt")} hint="The key stops working at the end of this day.">
            <Input type="date" required min={localDateString(new Date())} value={customDate} onChange={(event) => setCustomDate(event.target.value)} />
          </Field>
        ) : null}
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Spend limit (USD)" error={fieldError(state, "spendLimit")} hint="Optional. Requests fail once the key has spent this much.">
            <Input name="spendLimit" inputMode="decimal" placeholder="No limit" autoComplete="off" />
          </Field>
          <Field
            label="Requests per minute"
            error={fieldError(state, "rateLimitRpm")}
            hint={`Optional. Default: ${defaultRateLimitRpm.toLocaleString("en-US")}.`}
          >
            <Input name="rateLimitRpm" inputMode="numeric" placeholder={String(defaultRateLimitRpm)} autoComplete="off" />
          </Field>
        </div>
      </form>
    </Dialog>
  );
}
