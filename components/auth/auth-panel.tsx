import type { ReactNode } from "react";
import { Card, CardBody } from "@/components/ui/card";

/** The card every auth page shows: a heading, an optional line under it, the form, and links below. */
export function AuthPanel({ title, description, children, footer }: { title: string; description?: ReactNode; children: ReactNode; footer?: ReactNode }) {
  return (
    <>
      <h1 className="text-2xl font-semibold tracking-tight text-zinc-900">{title}</h1>
      {description ? <p className="mt-2 text-sm text-zinc-600">{description}</p> : null}
      <Card className="mt-6">
        <CardBody className="p-6">{children}</CardBody>
      </Card>
      {footer ? <p className="mt-6 text-center text-sm text-zinc-600">{footer}</p> : null}
    </>
  );
}
