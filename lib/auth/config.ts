// The part of the Auth.js configuration that needs neither the database nor argon2, so that
// proxy.ts can check the session cookie without loading them. lib/auth/index.ts adds the rest.
import type { DefaultSession, NextAuthConfig } from "next-auth";

declare module "next-auth" {
  interface Session {
    user: { id: string } & DefaultSession["user"];
  }
}

export const authConfig = {
  // Behind a proxy or on any host name: the origin comes from AUTH_URL or the forwarded headers.
  trustHost: true,
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
