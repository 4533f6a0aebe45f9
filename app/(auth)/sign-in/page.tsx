import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/sign-in-form";
import { Alert } from "@/components/ui/alert";
import { getSessionUser } from "@/lib/auth/session";
import { safeCallbackPath } from "@/lib/auth/schemas";
import { AuthPanel } from "@/components/auth/auth-panel";
import { signInWithPassword } from "./actions";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackPath(params.callbackUrl);
  if (await getSessionUser()) redirect(callbackUrl);
  const signUpHref = callbackUrl === "/dashboard" ? "/sign-up" : `/sign-up?callbackUrl=${encodeURIComponent(callbackUrl)}`;
  return (
    <AuthPanel
      title="Sign in to EcoLink"
      footer={
        <>
          New to EcoLink?{" "}
          <Link href={signUpHref} className="font-medium text-emerald-700 hover:underline">
            Create an account
          </Link>
        </>
      }
    >
      {params.reset === "1" ? (
        <Alert variant="success" className="mb-5">
          Your password was changed. Sign in with the new one.
        </Alert>
      ) : null}
      <SignInForm action={signInWithPassword} callbackUrl={callbackUrl} />
    </AuthPanel>
  );
}
