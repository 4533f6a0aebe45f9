// The client address used to throttle sign-ins and sign-ups per IP.
//
// The front server (lib/http/reverse-proxy.ts) sets X-Forwarded-For: to the socket's address alone
// when no proxy is trusted, or appends it to the chain our trusted proxies built. Each trusted
// proxy appends the address it saw, so with N trusted hops the client is the entry N places left
// of the last one; entries further left are whatever the client claimed, and are never used.
import { env } from "@/lib/env";

export function clientIp(headers: Headers, trustedProxyHops = env().TRUST_PROXY): string {
  const chain = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
  return chain[Math.max(0, chain.length - 1 - trustedProxyHops)] ?? "unknown";
}
