"use client";

import { Alert } from "@/components/ui/alert";
import { CopyButton } from "@/components/ui/copy-button";
import { Input } from "@/components/ui/input";

/** The one and only display of a new key's secret. */
export function NewApiKeyPanel({ name, secret }: { name: string; secret: string }) {
  return (
    <div className="flex flex-col gap-4">
      <Alert variant="warning" title="This is the only time you'll see this key">
        Copy it now and keep it somewhere safe, like a password manager or your server&apos;s environment. If you lose it, revoke it and create a new one.
      </Alert>
      <div>
        <p className="mb-1.5 text-sm font-medium text-zinc-800">{name}</p>
        <div className="flex flex-col gap-2 sm:flex-row">
          <Input
            readOnly
            autoFocus
            value={secret}
            aria-label="Your new API key"
            data-testid="new-api-key"
            className="font-mono text-xs"
            onFocus={(event) => event.currentTarget.select()}
          />
          <CopyButton value={secret} label="Copy API key" size="md" />
        </div>
      </div>
      <p className="text-zinc-600">
        Send it as <code className="font-mono text-xs">Authorization: Bearer {secret.slice(0, 8)}…</code> with every request.
      </p>
    </div>
  );
}
