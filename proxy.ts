// Sends visitors without a session from console pages to the sign-in page, remembering where
// they were going. It only checks the session cookie's JWT (lib/auth/config.ts, no database);
// the console layout checks the user for real with requireUser().
import NextAuth from "next-auth";
import { NextResponse } from "next/server";
import { authConfig } from "@/lib/auth/config";

const { auth } = NextAuth(authConfig);

export default auth((request) => {
  if (request.auth?.user) return NextResponse.next();
  const signInUrl = request.nextUrl.clone();
  signInUrl.pathname = "/sign-in";
  signInUrl.search = "";
  signInUrl.searchParams.set("callbackUrl", `${request.nextUrl.pathname}${request.nextUrl.search}`);
  return NextResponse.redirect(signInUrl);
});

export const config = {
  matcher: ["/dashboard/:path*", "/playground/:path*", "/api-keys/:path*", "/usage/:path*", "/billing/:path*", "/models/:path*"],
};
