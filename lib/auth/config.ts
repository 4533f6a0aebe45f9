// The part of the Auth.js configuration that needs neither the database nor argon2, so that
// proxy.ts can check the session cookie without loading them. lib/auth/index.ts adds the rest.
import type { DefaultSession, NextAuthConfig } from "next-auth";

declare module "next-auth" {
  interface Session {
    user: { id: string } & DefaultSession["user"];
  }
}

export const authConfig = {
  // trustHost is left to Auth.js's default, which follows our rule (lib/auth/public-origin.ts):
  // trusted when AUTH_URL is set (required in production, and then Auth.js builds every URL from
  // it, not from the request), or outside production. X-Forwarded-Host reaches it only through a
  // trusted proxy: the front server drops it otherwise (lib/http/reverse-proxy.ts).
  // Credentials sign-in requires JWT sessions (there is no database session to look up).
  session: { strategy: "jwt" },
  pages: { signIn: "/sign-in" },
  providers: [],
  callbacks: {
    session({ session, token }) {
      if (token.sub) session.user.id = token.sub;
      return session;
    },
  },
} satisfies NextAuthConfig;
