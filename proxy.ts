// Runs before every page. Gives each response its Content-Security-Policy with a fresh nonce
// (lib/http/csp.ts), and sends visitors without a session from console pages to the sign-in page,
// remembering where they were going. It only checks the session cookie's JWT (lib/auth/config.ts,
// no database); the console layout checks the user for real with requireUser().
import NextAuth from "next-auth";
import { NextResponse, type NextRequest } from "next/server";
import { authConfig } from "@/lib/auth/config";
import { contentSecurityPolicy, createNonce, NONCE_HEADER, NO_STORE_PATHS } from "@/lib/http/csp";

const { auth } = NextAuth(authConfig);

const CONSOLE_PATHS = ["/dashboard", "/playground", "/api-keys", "/usage", "/billing", "/models"];

const under = (pathname: string, paths: string[]) => paths.some((path) => pathname === path || pathname.startsWith(`${path}/`));

export default auth((request) => {
  const { pathname } = request.nextUrl;
  if (under(pathname, CONSOLE_PATHS) && !request.auth?.user) {
    const signInUrl = request.nextUrl.clone();
    signInUrl.pathname = "/sign-in";
    signInUrl.search = "";
    signInUrl.searchParams.set("callbackUrl", `${request.nextUrl.pathname}${request.nextUrl.search}`);
    return NextResponse.redirect(signInUrl);
  }
  return withContentSecurityPolicy(request);
});

/** Next.js takes the nonce from the request's policy header and puts it on the scripts it renders. */
function withContentSecurityPolicy(request: NextRequest): NextResponse {
  const nonce = createNonce();
  const policy = contentSecurityPolicy(nonce, { development: process.env.NODE_ENV === "development" });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set(NONCE_HEADER, nonce);
  requestHeaders.set("Content-Security-Policy", policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", policy);
  if (under(request.nextUrl.pathname, NO_STORE_PATHS)) response.headers.set("Cache-Control", "no-store");
  return response;
}

export const config = {
  // Every page; not the static assets (no script runs from them) nor the API routes.
  matcher: ["/((?!_next/static|_next/image|favicon\\.ico|api/|v1/).*)"],
};
