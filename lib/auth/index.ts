// Auth.js (next-auth v5): email + password through the Credentials provider, JWT sessions, and
// the Prisma adapter for the Auth.js models. Sign-up, verification and resets live beside this
// in lib/auth; pages read the session through lib/auth/session.ts.
import "server-only";
import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { PrismaAdapter } from "@auth/prisma-adapter";
import { db } from "@/lib/db";
import { DomainError, isDomainError } from "@/lib/errors";
import { authConfig } from "./config";
import { clientIp } from "./client-ip";
import { authenticateWithPassword } from "./credentials";
import { credentialsSchema } from "./schemas";
import { endSession, startSession } from "./sessions";

declare module "next-auth" {
  interface Session {
    /** The Session row this sign-in made (lib/auth/sessions.ts); gone once revoked. */
    sessionId?: string;
  }
}

declare module "@auth/core/jwt" {
  interface JWT {
    sid?: string;
  }
}

/**
 * A refused password sign-in. Auth.js rethrows it to the server action that called signIn(), which
 * shows `reason.message` ("Wrong email or password.", "Try again in 12 minutes."); `code` is what
 * a direct POST to /api/auth/callback/credentials sees in its redirect URL.
 */
export class PasswordSignInError extends CredentialsSignin {
  constructor(readonly reason: DomainError) {
    super(reason.message);
    this.code = reason.code;
  }
}

export const { auth, signIn, signOut, handlers } = NextAuth({
  ...authConfig,
  adapter: PrismaAdapter(db as unknown as Parameters<typeof PrismaAdapter>[0]),
  providers: [
    Credentials({
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(input, request) {
        // This endpoint is public, so the input is validated here as well as in the form's action.
        const parsed = credentialsSchema.safeParse(input);
        if (!parsed.success) throw new PasswordSignInError(new DomainError("unauthenticated", "Wrong email or password."));
        try {
          return await authenticateWithPassword({ ...parsed.data, ip: clientIp(request.headers) });
        } catch (error) {
          if (isDomainError(error)) throw new PasswordSignInError(error);
          throw error;
        }
      },
    }),
  ],
  callbacks: {
    ...authConfig.callbacks,
    // `user` is only given at sign-in: that is when the session's row is made.
    async jwt({ token, user }) {
      if (user?.id) token.sid = await startSession(user.id);
      return token;
    },
    session(params) {
      const session = authConfig.callbacks.session(params);
      if ("token" in params && params.token.sid) session.sessionId = params.token.sid;
      return session;
    },
  },
  events: {
    async signOut(message) {
      if ("token" in message && message.token?.sid) await endSession(message.token.sid);
    },
  },
  logger: {
    // A wrong password is the user's mistake, not a server error worth a stack trace.
    error(error) {
      if (error instanceof CredentialsSignin) return;
      console.error(error);
    },
  },
});
