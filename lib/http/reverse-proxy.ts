// Hands a request to an HTTP server on loopback and its answer back, both streamed with
// backpressure: how the front server (server.ts) passes everything but the /v1 API to Next.js.
//
// What the console learns about the client comes from here. The Host header goes through
// unchanged (the console builds no links from it: lib/auth/public-origin.ts). X-Forwarded-For is
// the client's address as the socket saw it — replacing whatever the client sent, unless
// TRUST_PROXY says proxies of ours stand in front, whose entries are kept and ours appended — so
// that sign-in throttling (lib/auth/client-ip.ts) can't be dodged by inventing addresses. The other
// forwarded headers (host, proto) are dropped unless a proxy is trusted to have set them.
//
// Bodies are counted as they stream: past the route's limit the request is refused with 413 at
// once and the rest is discarded while the client lingers (lib/http/lingering-close.ts), so that
// no body, however large, is held in memory.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { env } from "@/lib/env";
import { closedAsItWentOut } from "@/lib/error-codes";
import { lingerAfterAnswer } from "@/lib/http/lingering-close";

// Idle connections to Next.js are closed by this side, long before next-server.ts's keepAliveTimeout
// would close them from the other: a request written just as the console closes an idle connection
// meets a reset (the retry below covers those that still do).
const agent = new http.Agent({ keepAlive: true, timeout: 5_000 });

/** Stripe's events are a few kilobytes; a megabyte is generous. */
export const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;
/** next.config.ts's serverActions.bodySizeLimit ("26mb"): the playground uploads audio through server actions. */
export const BODY_LIMIT_BYTES = 26 * 1024 * 1024;

// Connection-level headers belong to each hop; Node frames both sides itself.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"]);
// What only a proxy should say about the client; a client's own claims are dropped unless trusted.
const FORWARDED = new Set(["x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "forwarded", "x-real-ip"]);

function endToEndHeaders(rawHeaders: readonly string[], drop: ReadonlySet<string> = new Set()): string[] {
  const kept: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (!HOP_BY_HOP.has(name) && !drop.has(name)) kept.push(rawHeaders[i]!, rawHeaders[i + 1]!);
  }
  return kept;
}

/** The socket's peer, as a plain IPv4 address when it came over IPv4 to a dual-stack listener. */
function socketAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? "unknown";
  return address.startsWith("::ffff:") ? address.slice("::ffff:".length) : address;
}

export function forwardedHeaders(req: IncomingMessage, trustedProxyHops: number): string[] {
  const client = socketAddress(req);
  if (trustedProxyHops === 0) return [...endToEndHeaders(req.rawHeaders, FORWARDED), "x-forwarded-for", client];
  const headers = endToEndHeaders(req.rawHeaders, new Set(["x-forwarded-for"]));
  const chain = req.headers["x-forwarded-for"];
  const previous = Array.isArray(chain) ? chain.join(", ") : chain;
  headers.push("x-forwarded-for", previous ? `${previous}, ${client}` : client);
  return headers;
}

export function bodyLimitFor(url: string): number {
  const path = url.split("?", 1)[0];
  return path === "/api/stripe/webhook" ? WEBHOOK_BODY_LIMIT_BYTES : BODY_LIMIT_BYTES;
}

function refuseTooLarge(req: IncomingMessage, res: ServerResponse, limit: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  lingerAfterAnswer(req, res);
  res.writeHead(413, { "content-type": "text/plain; charset=utf-8" });
  res.end(`This request's body is too large: the limit here is ${limit / (1024 * 1024)} MB.\n`);
}

export function proxyRequest(req: IncomingMessage, res: ServerResponse, targetPort: number, trustedProxyHops = env().TRUST_PROXY): void {
  const limit = bodyLimitFor(req.url ?? "/");
  const declared = Number(req.headers["content-length"]);
  if (declared > limit) {
    refuseTooLarge(req, res, limit);
    return;
  }
  let refused = false;
  // A request without a body can be sent again whole; one with a body has been streamed already.
  const bodiless = !req.headers["transfer-encoding"] && !(declared > 0);
  const open = (retry: boolean): http.ClientRequest => {
    const request = http.request(
      {
        host: "127.0.0.1",
        port: targetPort,
        method: req.method,
        path: req.url,
        headers: forwardedHeaders(req, trustedProxyHops),
        agent: retry ? false : agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEndHeaders(answer.rawHeaders));
        answer.pipe(res);
        // The answer broke off after its head was sent: drop the client's connection too, so it
        // sees a truncated answer rather than a complete-looking one.
        answer.once("error", () => res.destroy());
        answer.once("aborted", () => res.destroy());
      },
    );
    request.once("error", (error: NodeJS.ErrnoException) => {
      if (refused || res.destroyed) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // A kept-alive connection the console closed as this request went out: nothing reached it.
      if (!retry && bodiless && closedAsItWentOut(error, request.reusedSocket)) {
        upstream = open(true);
        upstream.end();
        return;
      }
      answerConsoleUnreachable(res);
    });
    return request;
  };
  let upstream = open(false);
  // A client that leaves stops the work it asked for.
  res.once("close", () => {
    if (!res.writableFinished) upstream.destroy();
  });
  let received = 0;
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received > limit) {
      refused = true;
      req.off("data", onData);
      upstream.destroy();
      refuseTooLarge(req, res, limit);
      return;
    }
    // The console's side already broke off (its error is answered above): the rest is discarded.
    if (upstream.destroyed) return;
    if (!upstream.write(chunk)) {
      req.pause();
      upstream.once("drain", () => req.resume());
    }
  };
  req.on("data", onData);
  req.once("end", () => {
    if (!refused) upstream.end();
  });
}

/** The answer when the console can't be reached (its process is down or being started again). */
export function answerConsoleUnreachable(res: ServerResponse): void {
  res.writeHead(502, { "content-type": "text/plain; charset=utf-8" });
  res.end("The EcoLink console is not reachable right now. Please try again in a moment.\n");
}
