"use client";

import { useState } from "react";
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { CodeBlock, type CodeSample } from "@/components/ui/code-block";
import { Dialog } from "@/components/ui/dialog";

/** "View code": the playground's request as curl / Python / JavaScript, in a dialog with copy buttons. */
export function ViewCodeButton({ samples, description }: { samples: () => CodeSample[]; description: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="secondary" size="sm" onClick={() => setOpen(true)}>
        <svg viewBox="0 0 20 20" fill="currentColor" className="size-4" aria-hidden="true">
          <path
            fillRule="evenodd"
            d="M6.28 5.22a.75.75 0 0 1 0 1.06L2.56 10l3.72 3.72a.75.75 0 0 1-1.06 1.06L.97 10.53a.75.75 0 0 1 0-1.06l4.25-4.25a.75.75 0 0 1 1.06 0Zm7.44 0a.75.75 0 0 1 1.06 0l4.25 4.25a.75.75 0 0 1 0 1.06l-4.25 4.25a.75.75 0 0 1-1.06-1.06L17.44 10l-3.72-3.72a.75.75 0 0 1 0-1.06Z"
            clipRule="evenodd"
          />
        </svg>
        View code
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title="View code" description={description} className="max-w-3xl">
        {open ? (
          <div className="flex flex-col gap-3">
            <CodeBlock samples={samples()} title="Request code" className="max-h-[60vh] overflow-y-auto" />
            <p className="text-xs text-zinc-500">
              Set <code className="font-mono">ECOLINK_API_KEY</code> to a key from{" "}
              <Link href="/api-keys" className="font-medium text-emerald-700 hover:underline">
                API keys
              </Link>{" "}
              (e.g. <code className="font-mono">export ECOLINK_API_KEY=eco_…</code>). Requests made with a key are billed like playground requests.
            </p>
          </div>
        ) : null}
      </Dialog>
    </>
  );
}
