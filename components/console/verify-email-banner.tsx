import { ResendVerificationButton } from "@/components/auth/resend-verification-button";
import { Alert } from "@/components/ui/alert";
import type { FormResult } from "@/lib/form-errors";

/** Shown across the console until the email is verified: that is when the sign-up credit arrives. */
export function VerifyEmailBanner({
  email,
  credit,
  resendAction,
}: {
  email: string;
  credit: string;
  resendAction: () => Promise<FormResult<{ message: string }>>;
}) {
  return (
    <Alert variant="warning" title={`Verify your email to receive your ${credit} credit`} action={<ResendVerificationButton action={resendAction} />}>
      We sent a link to {email}. Follow it to activate your free credit.
    </Alert>
  );
}
