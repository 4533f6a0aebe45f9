import Link from "next/link";
import { buttonClasses } from "@/components/ui/button";
import { Logo } from "@/components/ui/logo";
import { ThemeToggle } from "@/components/ui/theme-toggle";
import { getSessionUser } from "@/lib/auth/session";

export default async function MarketingLayout({ children }: { children: React.ReactNode }) {
  const user = await getSessionUser();
  return (
    <div className="flex min-h-screen flex-col">
      <header className="border-b border-zinc-100">
        <div className="mx-auto flex h-16 max-w-6xl items-center gap-2 px-4 sm:gap-4 sm:px-6">
          <Logo />
          <nav aria-label="Main">
            <Link href="/docs" className={buttonClasses({ variant: "ghost", size: "sm" })}>
              Docs
            </Link>
          </nav>
          <nav aria-label="Account" className="ml-auto flex items-center gap-1 sm:gap-2">
            <ThemeToggle />
            {user ? (
              <Link href="/dashboard" className={buttonClasses()}>
                Go to console
              </Link>
            ) : (
              <>
                <Link href="/sign-in" className={buttonClasses({ variant: "ghost" })}>
                  Sign in
                </Link>
                <Link href="/sign-up" className={buttonClasses()}>
                  Sign up
                </Link>
              </>
            )}
          </nav>
        </div>
      </header>
      <main className="flex-1">{children}</main>
      <footer className="border-t border-zinc-100">
        <div className="mx-auto max-w-6xl px-4 py-6 text-sm text-zinc-500 sm:px-6">© EcoLink — GPU inference for developers.</div>
      </footer>
    </div>
  );
}
