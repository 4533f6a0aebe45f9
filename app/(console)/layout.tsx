import { ConsoleShell } from "@/components/console/console-shell";
import { toBalanceResponse } from "@/lib/contracts/balance-response";
import { VerifyEmailBanner } from "@/components/console/verify-email-banner";
import { requireUser } from "@/lib/auth/session";
import { signupCreditNanos } from "@/lib/auth/email-verification";
import { getBalance } from "@/lib/credits/ledger";
import { formatUsd } from "@/lib/credits/money";
import { signOutAndLeave } from "@/app/(auth)/sign-out/actions";
import { resendVerificationEmail } from "@/app/(auth)/verify-email/actions";

// proxy.ts already turned away visitors without a session cookie; this is the real check
// (valid session, existing user) for every console page.
export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser();
  const balance = await getBalance(user.id);
  return (
    <ConsoleShell
      email={user.email}
      initialBalance={toBalanceResponse(balance)}
      signOutAction={signOutAndLeave}
      banner={
        user.emailVerified ? null : <VerifyEmailBanner email={user.email} credit={formatUsd(signupCreditNanos())} resendAction={resendVerificationEmail} />
      }
    >
      {children}
    </ConsoleShell>
  );
}
