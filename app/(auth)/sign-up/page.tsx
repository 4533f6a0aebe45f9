import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { SignUpForm } from "@/components/auth/sign-up-form";
import { getSessionUser } from "@/lib/auth/session";
import { signupCreditNanos } from "@/lib/auth/email-verification";
import { formatUsd } from "@/lib/credits/money";
import { AuthPanel } from "@/components/auth/auth-panel";
import { signUp } from "./actions";

export const metadata: Metadata = { title: "Sign up" };

export default async function SignUpPage() {
  if (await getSessionUser()) redirect("/dashboard");
  return (
    <AuthPanel
      title="Create your EcoLink account"
      description={`Verify your email and get ${formatUsd(signupCreditNanos())} of free credit to try every model.`}
      footer={
        <>
          Already have an account?{" "}
          <Link href="/sign-in" className="font-medium text-emerald-700 hover:underline">
            Sign in
          </Link>
        </>
      }
    >
      <SignUpForm action={signUp} />
    </AuthPanel>
  );
}
