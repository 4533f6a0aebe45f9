import type { Metadata } from "next";
import Link from "next/link";
import { ResetPasswordForm } from "@/components/auth/reset-password-form";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";
import { emailTokenState } from "@/lib/auth/email-tokens";
import { AuthPanel } from "@/components/auth/auth-panel";
import { chooseNewPassword } from "./actions";

export const metadata: Metadata = { title: "Choose a new password" };

export default async function ResetPasswordPage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  const { token } = await searchParams;
  const state = typeof token === "string" && token ? await emailTokenState(token, "RESET_PASSWORD") : "invalid";
  if (state !== "valid" || typeof token !== "string") {
    return (
      <AuthPanel title="Reset your password">
        <Alert variant="danger" title={state === "expired" ? "This reset link has expired" : "This reset link is invalid or was already used"}>
          Reset links work once and expire after an hour. Ask for a new one.
        </Alert>
        <Link href="/forgot-password" className={buttonClasses({ className: "mt-5 w-full" })}>
          Send a new link
        </Link>
      </AuthPanel>
    );
  }
  return (
    <AuthPanel title="Choose a new password">
      <ResetPasswordForm action={chooseNewPassword} token={token} />
    </AuthPanel>
  );
}
