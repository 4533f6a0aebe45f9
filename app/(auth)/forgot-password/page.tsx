import type { Metadata } from "next";
import Link from "next/link";
import { ForgotPasswordForm } from "@/components/auth/forgot-password-form";
import { AuthPanel } from "@/components/auth/auth-panel";
import { askForPasswordReset } from "./actions";

export const metadata: Metadata = { title: "Forgot password" };

export default function ForgotPasswordPage() {
  return (
    <AuthPanel
      title="Reset your password"
      description="Enter the email you signed up with and we'll send you a link to choose a new password."
      footer={
        <Link href="/sign-in" className="font-medium text-emerald-700 hover:underline">
          Back to sign in
        </Link>
      }
    >
      <ForgotPasswordForm action={askForPasswordReset} />
    </AuthPanel>
  );
}
