// The deployment's public origin, for links in emails, image URLs and the API base URL shown in
// the console. AUTH_URL is authoritative, and required in production (lib/env.ts): anything a
// request says about its host can be forged, and a forged host in a password-reset link hands the
// token to whoever owns that host. Only outside production, where AUTH_URL may be left unset for a
// local `next dev`, does the request's Host decide — and a proxy's X-Forwarded-Host/-Proto only
// when TRUST_PROXY says a proxy is there to set them.
import { env } from "@/lib/env";

/** The last entry of a comma-separated forwarded header: what the proxy nearest to us set. */
function nearestEntry(value: string | null): string | undefined {
  return value
    ?.split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .pop();
}

/** AUTH_URL's origin, when set: needs no request, so it serves outside one too (scripts, tests). */
export function configuredOrigin(): string | undefined {
  const { AUTH_URL } = env();
  return AUTH_URL ? new URL(AUTH_URL).origin : undefined;
}

export function publicOriginFor(headers: Pick<Headers, "get">): string {
  const configured = configuredOrigin();
  if (configured) return configured;
  const { TRUST_PROXY } = env();
  const forwardedHost = TRUST_PROXY > 0 ? nearestEntry(headers.get("x-forwarded-host")) : undefined;
  const forwardedProto = TRUST_PROXY > 0 ? nearestEntry(headers.get("x-forwarded-proto")) : undefined;
  const host = forwardedHost ?? headers.get("host") ?? "localhost:3000";
  return new URL(`${forwardedProto ?? "http"}://${host}`).origin;
}
