"use client";

import { useState, useTransition } from "react";
import { revokeApiKeyAction } from "@/app/(console)/api-keys/actions";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { useToast } from "@/components/ui/toast";

/** "Revoke" with a confirmation: a revoked key fails from its next request on and can't be restored. */
export function RevokeApiKeyButton({ apiKeyId, name, display }: { apiKeyId: string; name: string; display: string }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const toast = useToast();

  function close() {
    if (pending) return;
    setOpen(false);
    setError(null);
  }

  function revoke() {
    startTransition(async () => {
      const result = await revokeApiKeyAction(apiKeyId);
      if (result.ok) {
        setOpen(false);
        toast(`Revoked “${name}”. Requests with it now fail.`);
      } else setError(result.error);
    });
  }

  return (
    <>
      <Button variant="secondary" size="sm" aria-label={`Revoke ${name}`} onClick={() => setOpen(true)}>
        Revoke
      </Button>
      <Dialog
        open={open}
        onClose={close}
        title={`Revoke “${name}”?`}
        description="Requests using this key will fail immediately. This can't be undone."
        footer={
          <>
            <Button variant="secondary" onClick={close} disabled={pending}>
              Cancel
            </Button>
            <Button variant="danger" onClick={revoke} loading={pending}>
              Revoke key
            </Button>
          </>
        }
      >
        <p>
          Key <code className="font-mono text-xs">{display}</code> will stop working. Anything that uses it will need a new key.
        </p>
        {error ? (
          <Alert variant="danger" className="mt-4">
            {error}
          </Alert>
        ) : null}
      </Dialog>
    </>
  );
}
