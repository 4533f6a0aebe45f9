import type { Metadata } from "next";
import Link from "next/link";
import { ResendVerificationButton } from "@/components/auth/resend-verification-button";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";
import { getSessionUser } from "@/lib/auth/session";
import { signupCreditNanos, verifyEmail, type VerifyEmailResult } from "@/lib/auth/email-verification";
import { formatUsd } from "@/lib/credits/money";
import { AuthPanel } from "@/components/auth/auth-panel";
import { resendVerificationEmail } from "./actions";

export const metadata: Metadata = { title: "Verify email" };
export const dynamic = "force-dynamic";

// The landing page of the link in the verification email. Following the link is the verification
// (it is single use and the credit grant is idempotent, so a repeated or prefetched visit is harmless).
export default async function VerifyEmailPage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  const { token } = await searchParams;
  const result: VerifyEmailResult = typeof token === "string" && token ? await verifyEmail(token) : { status: "invalid" };
  const user = await getSessionUser();
  const next = user ? { href: "/dashboard", label: "Go to your dashboard" } : { href: "/sign-in", label: "Sign in" };

  if (result.status === "verified" || result.status === "already_verified") {
    const title =
      result.status === "already_verified"
        ? "Your email is already verified"
        : result.credited > 0n
          ? `Your email is verified — ${formatUsd(result.credited)} credit added`
          : "Your email is verified";
    return (
      <AuthPanel title="Email verified">
        <Alert variant="success" title={title}>
          You&apos;re all set to create an API key and make your first request.
        </Alert>
        {result.status === "verified" && result.credited === 0n && signupCreditNanos() > 0n ? (
          <Alert variant="info" className="mt-4" title="No free credit on this account">
            The {formatUsd(signupCreditNanos())} sign-up credit is given once per mailbox, and this one already received it with another account (addresses that
            differ only by a +tag, or by dots for Gmail, share a mailbox). Your account works as usual: add credit on the Billing page to make requests.
          </Alert>
        ) : null}
        <Link href={next.href} className={buttonClasses({ className: "mt-5 w-full" })}>
          {next.label}
        </Link>
      </AuthPanel>
    );
  }

  return (
    <AuthPanel title="Verify your email">
      <Alert
        variant="danger"
        title={result.status === "expired" ? "This verification link has expired" : "This verification link is invalid or was already used"}
      >
        {user && !user.emailVerified ? "Send yourself a new link:" : "Sign in to send yourself a new link."}
      </Alert>
      <div className="mt-5">
        {user && !user.emailVerified ? (
          <ResendVerificationButton action={resendVerificationEmail} />
        ) : (
          <Link href={next.href} className={buttonClasses({ className: "w-full" })}>
            {next.label}
          </Link>
        )}
      </div>
    </AuthPanel>
  );
}
