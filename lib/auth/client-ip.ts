// The client address used to throttle sign-in attempts per IP.
//
// The rightmost X-Forwarded-For entry is the one added by the proxy closest to us (a load
// balancer appends the address it saw; entries to its left are whatever the client sent). With no
// proxy in front, Next.js fills the header from the socket when the client didn't send one.
export function clientIp(headers: Headers): string {
  const forwarded = headers.get("x-forwarded-for");
  const last = forwarded?.split(",").map((part) => part.trim()).filter(Boolean).pop();
  return last || headers.get("x-real-ip")?.trim() || "unknown";
}
