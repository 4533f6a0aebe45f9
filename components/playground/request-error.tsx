// A failed playground request, in words. Failures arrive in the shape the /v1 API gives them
// (status + OpenAI error code + message, built by lib/inference/openai-errors.ts), so the
// playground reports exactly what a curl call would have got, phrased for a person.
import Link from "next/link";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";

export interface RequestError {
  status: number;
  /** OpenAI's error code ("insufficient_quota", "rate_limit_exceeded", …), when there is one. */
  code: string | null;
  message: string;
  retryAfterSeconds?: number;
}

export type RequestFailure = { ok: false; error: RequestError };

/** An error the browser itself met (network down, stream cut) rather than one the API sent. */
export function networkError(message = "Could not reach EcoLink. Check your connection and try again."): RequestError {
  return { status: 0, code: null, message };
}

function seconds(count: number): string {
  return `${count} second${count === 1 ? "" : "s"}`;
}

export function RequestErrorAlert({ error, className }: { error: RequestError; className?: string }) {
  if (error.status === 402) {
    return (
      <Alert
        variant="danger"
        className={className}
        title="Out of credit — top up to continue"
        action={
          <Link href="/billing" className={buttonClasses({ size: "sm" })}>
            Go to Billing
          </Link>
        }
      >
        {error.message} Nothing was charged.
      </Alert>
    );
  }
  if (error.status === 429) {
    return (
      <Alert variant="warning" className={className} title="Slow down — too many requests">
        {error.retryAfterSeconds ? `Try again in ${seconds(error.retryAfterSeconds)}.` : "Wait a moment, then try again."} {error.message}
      </Alert>
    );
  }
  if (error.status === 401) {
    return (
      <Alert
        variant="danger"
        className={className}
        title="Your session has ended"
        action={
          <Link href="/sign-in?callbackUrl=/playground" className={buttonClasses({ size: "sm", variant: "secondary" })}>
            Sign in
          </Link>
        }
      >
        Sign in again to keep using the playground.
      </Alert>
    );
  }
  if (error.status === 413) {
    return (
      <Alert variant="danger" className={className} title="That is too large">
        {error.message}
      </Alert>
    );
  }
  if (error.status >= 500) {
    return (
      <Alert variant="danger" className={className} title="The model could not answer">
        {error.message}
      </Alert>
    );
  }
  if (error.status === 0) {
    return (
      <Alert variant="danger" className={className} title="Connection problem">
        {error.message}
      </Alert>
    );
  }
  return (
    <Alert variant="danger" className={className} title={error.status === 404 ? "Model not available" : "The request was refused"}>
      {error.message}
    </Alert>
  );
}
