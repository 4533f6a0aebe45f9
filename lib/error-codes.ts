// Node's system errors (ECONNREFUSED, ECONNRESET…) are not always the error a call rejects with:
// fetch wraps them as TypeError("fetch failed", { cause }), and a connection tried on several
// addresses of a host fails with an AggregateError whose members carry the codes.

/** The first of `codes` found on the error, its causes or its members; null if none. */
export function errorCodeIn(error: unknown, codes: ReadonlySet<string>): string | null {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length) {
    const item = queue.shift();
    if (!item || typeof item !== "object" || seen.has(item)) continue;
    seen.add(item);
    const code = (item as { code?: unknown }).code;
    if (typeof code === "string" && codes.has(code)) return code;
    queue.push((item as { cause?: unknown }).cause, ...(((item as { errors?: unknown }).errors as unknown[] | undefined) ?? []));
  }
  return null;
}

/** How a connection the server closes under a request fails it. */
const CLOSED_UNDER_REQUEST_CODES = new Set(["ECONNRESET", "EPIPE"]);

/**
 * Whether a request failed because the connection it went out on, one that had waited open (a
 * kept-alive connection: `request.reusedSocket`), was closed by the server as the request went out:
 * the server closed it idle, most often before reading any of the request, so it may be sent again
 * on another connection, as Node's docs advise.
 */
export function closedAsItWentOut(error: NodeJS.ErrnoException, waitedOpen: boolean): boolean {
  return waitedOpen && CLOSED_UNDER_REQUEST_CODES.has(error.code ?? "");
}
