// The deployment's public origin, for links in emails and the API base URL shown in the console.
// AUTH_URL is authoritative when set (behind proxies the request's Host may be internal);
// otherwise the request's forwarded host is used, as Auth.js does with trustHost.
import "server-only";
import { headers } from "next/headers";
import { env } from "@/lib/env";

export async function deploymentOrigin(): Promise<string> {
  const configured = env().AUTH_URL;
  if (configured) return new URL(configured).origin;
  const requestHeaders = await headers();
  const host = requestHeaders.get("x-forwarded-host") ?? requestHeaders.get("host") ?? "localhost:3000";
  const proto = requestHeaders.get("x-forwarded-proto") ?? (host.startsWith("localhost") || host.startsWith("127.") ? "http" : "https");
  return `${proto.split(",")[0]!.trim()}://${host.split(",")[0]!.trim()}`;
}
