// Hands a request to an HTTP server on loopback and its answer back, both streamed with
// backpressure: how the front server (server.ts) passes everything but the /v1 API to Next.js.
// The Host header goes through unchanged, and X-Forwarded-For is set to the client's address only
// when the client sent none — what Next.js itself does when reached directly — so that the console
// sees the client as it would without this hop (its public host for links and server actions'
// origin check, its address for sign-in throttling).
import http, { type IncomingMessage, type ServerResponse } from "node:http";

const agent = new http.Agent({ keepAlive: true });

// Connection-level headers belong to each hop; Node frames both sides itself.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"]);

function endToEndHeaders(rawHeaders: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!HOP_BY_HOP.has(rawHeaders[i]!.toLowerCase())) kept.push(rawHeaders[i]!, rawHeaders[i + 1]!);
  }
  return kept;
}

function forwardedHeaders(req: IncomingMessage): string[] {
  const headers = endToEndHeaders(req.rawHeaders);
  const client = req.socket.remoteAddress;
  if (req.headers["x-forwarded-for"] === undefined && client) headers.push("x-forwarded-for", client);
  return headers;
}

export function proxyRequest(req: IncomingMessage, res: ServerResponse, targetPort: number): void {
  const upstream = http.request(
    { host: "127.0.0.1", port: targetPort, method: req.method, path: req.url, headers: forwardedHeaders(req), agent },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEndHeaders(answer.rawHeaders));
      answer.pipe(res);
      // The answer broke off after its head was sent: drop the client's connection too, so it
      // sees a truncated answer rather than a complete-looking one.
      answer.once("error", () => res.destroy());
      answer.once("aborted", () => res.destroy());
    },
  );
  upstream.once("error", () => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    answerConsoleUnreachable(res);
  });
  // A client that leaves stops the work it asked for.
  res.once("close", () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

/** The answer when the console can't be reached (its process is down or being started again). */
export function answerConsoleUnreachable(res: ServerResponse): void {
  res.writeHead(502, { "content-type": "text/plain; charset=utf-8" });
  res.end("The EcoLink console is not reachable right now. Please try again in a moment.\n");
}
