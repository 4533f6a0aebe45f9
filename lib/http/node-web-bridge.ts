// Serves a Fetch-API handler (Request in, Response out: what a Next.js route handler is) from a
// plain node:http server. The request's signal aborts when the client goes away before the answer
// is complete, as under Next.js, so that a streamed completion stops its upstream call. The body is
// not wrapped in a web stream up front: lib/http/read-body.ts reads it from the node stream
// (requestBodySource), and `request.body` makes the web stream only if something asks for it; the
// Request's own consuming methods (json(), text(), formData()…) don't see it. Handlers that read
// no more of a request than RequestHead's fields (the /v1 frame's) get requestHeadFromNode()'s
// view instead of a Request, which spares each call the Request, its Headers and its own signal. A whole
// answer is sent in one write; an event stream is written as its events come, with backpressure,
// and cancelled if the client leaves mid-stream.
import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { DomainError } from "@/lib/errors";
import { lingerAfterAnswer } from "@/lib/http/lingering-close";

/** Node's raw header list ([name, value, name, value, …]) as Fetch Headers, repeats kept. */
export function headersFromRaw(rawHeaders: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i < rawHeaders.length; i += 2) headers.append(rawHeaders[i]!, rawHeaders[i + 1]!);
  return headers;
}

// A host name or IPv4 address, or a bracketed IPv6 address, with an optional port: RFC 9110's Host.
const VALID_HOST = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The request's URL. Its host comes from the Host header, which the client writes: one that can't
 * be a host ("a b", "x/y", "[::1") is the client's mistake, answered as a 400 (an invalid_request
 * DomainError), not a TypeError from the URL parser and a 500 with a stack trace.
 */
function requestUrl(req: IncomingMessage): string {
  const host = req.headers.host ?? "localhost";
  if (!VALID_HOST.test(host) || !URL.canParse(`http://${host}`)) {
    throw new DomainError("invalid_request", "The request's Host header is not a valid host name.");
  }
  return `http://${host}${req.url ?? "/"}`;
}

/** What the /v1 handlers read of a request: a Fetch Request has all of it, and so does requestHeadFromNode()'s view. */
export interface RequestHead {
  readonly method: string;
  readonly url: string;
  readonly headers: { get(name: string): string | null };
  readonly signal: AbortSignal;
  readonly body: ReadableStream<Uint8Array> | null;
}

// The node request and response behind each bridged request with a body.
const nodeExchanges = new WeakMap<RequestHead, { req: IncomingMessage; res: ServerResponse }>();

/**
 * The request's body as chunks: the node stream of a bridged request, else its web stream; null
 * without a body. Leaving a loop over a node body early leaves the request as it is (see
 * refuseRestOfBody); leaving one over a web stream cancels it.
 */
export function requestBodySource(request: RequestHead): AsyncIterable<Uint8Array> | null {
  const exchange = nodeExchanges.get(request);
  // Node's web ReadableStream is async-iterable, which the DOM lib types don't declare.
  return exchange ? exchange.req.iterator({ destroyOnReturn: false }) : (request.body as AsyncIterable<Uint8Array> | null);
}

/** The rest of the body won't be read: the answer closes the connection, which lingers while the client still sends. */
export function refuseRestOfBody(request: RequestHead): void {
  const exchange = nodeExchanges.get(request);
  if (exchange) lingerAfterAnswer(exchange.req, exchange.res);
}

/** A signal that aborts when the client goes away before the answer is complete. */
function clientLeftSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

function hasBody(req: IncomingMessage): boolean {
  return req.method !== "GET" && req.method !== "HEAD";
}

/** A node message's headers, read as Fetch's Headers.get reads them: repeated fields joined by ", ". */
export function nodeHeaders(message: IncomingMessage): { get(name: string): string | null } {
  return { get: (name) => message.headersDistinct[name.toLowerCase()]?.join(", ") ?? null };
}

/** The body as a web stream, made on first use: most readers take the node stream (requestBodySource). */
function lazyWebBody(req: IncomingMessage): () => ReadableStream<Uint8Array> | null {
  let body: ReadableStream<Uint8Array> | null | undefined;
  return () => {
    if (body === undefined) body = hasBody(req) ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : null;
    return body;
  };
}

/** The request as RequestHead reads it, straight from node's: no Request, no Headers copy. */
export function requestHeadFromNode(req: IncomingMessage, res: ServerResponse): RequestHead {
  const url = requestUrl(req);
  const webBody = lazyWebBody(req);
  const head: RequestHead = {
    method: req.method ?? "GET",
    url,
    headers: nodeHeaders(req),
    signal: clientLeftSignal(res),
    get body() {
      return webBody();
    },
  };
  if (hasBody(req)) nodeExchanges.set(head, { req, res });
  return head;
}

export function toWebRequest(req: IncomingMessage, res: ServerResponse): Request {
  const url = requestUrl(req);
  const headers = headersFromRaw(req.rawHeaders);
  const signal = clientLeftSignal(res);
  const request = new Request(url, { method: req.method ?? "GET", headers });
  if (hasBody(req)) {
    nodeExchanges.set(request, { req, res });
    Object.defineProperty(request, "body", { get: lazyWebBody(req) });
  }
  // The handlers see our signal as request.signal. Given to the constructor instead, it would be
  // followed through a WeakRef and a FinalizationRegistry entry per request, which keeps more of
  // every request's memory alive into the old generation and makes major collections more frequent.
  Object.defineProperty(request, "signal", { value: signal });
  return request;
}

export async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  const cookies = response.headers.getSetCookie();
  if (cookies.length) res.setHeader("set-cookie", cookies);
  for (const [name, value] of response.headers) {
    if (name !== "set-cookie") res.setHeader(name, value);
  }
  if (!response.body) {
    res.end();
    return;
  }
  if (!isEventStream(response)) {
    // A whole answer (JSON, text): one write with its length, rather than a chunked stream.
    const body = Buffer.from(await response.arrayBuffer());
    res.setHeader("content-length", body.byteLength);
    res.end(body);
    return;
  }
  const reader = response.body.getReader();
  await writeStream(
    res,
    async () => {
      const { done, value } = await reader.read();
      return done ? null : value;
    },
    () => void reader.cancel().catch(() => undefined),
  );
}

/**
 * Writes a stream's chunks (bytes, or text sent as UTF-8) as `next` yields them (null: the end),
 * with backpressure; the headers go with the first. `cancel` is called if the client leaves first.
 * Chunks that are ready together (a burst of tokens) leave in one packet, not one each: node:http
 * corks the socket at a write until the next tick, and the chunks of one burst follow each other
 * within those microtasks.
 */
export async function writeStream(res: ServerResponse, next: () => Promise<Uint8Array | string | null>, cancel: () => void): Promise<void> {
  res.once("close", cancel);
  try {
    for (;;) {
      const value = await next();
      if (value === null) break;
      if (res.destroyed) return;
      if (!res.write(value)) await Promise.race([once(res, "drain"), once(res, "close")]);
    }
    res.end();
  } catch (error) {
    // The body failed mid-way (the status line is already sent): drop the connection so the
    // client sees a truncated answer rather than a complete-looking one.
    res.destroy(error instanceof Error ? error : new Error(String(error)));
  } finally {
    res.off("close", cancel);
  }
}

function isEventStream(response: Response): boolean {
  return (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
}
