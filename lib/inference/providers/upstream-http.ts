// The upstream provider's HTTP client: a POST to an inference server over node:http(s) with
// keep-alive connections. It is here because it is on the path of every API request, where fetch
// (undici) cost more per call and added slow tails; `npm run bench` measures the gateway as it
// stands. The answer is read from node's response as it is, with the few methods of a Fetch
// Response the provider uses, without a web stream and a Response per call.
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { closedAsItWentOut } from "@/lib/error-codes";
import { nodeHeaders } from "@/lib/http/node-web-bridge";
import { isWaitedSpare, keepSpareConnections } from "@/lib/inference/providers/spare-connections";

/**
 * Idle connections (spares included) are closed by this side after this long, before the server
 * closes them: uvicorn (vLLM's server) and Node close theirs after 5 s idle, and a request that
 * goes out on a connection as the server closes it fails (see `send`). A server that says a shorter
 * time in its Keep-Alive header gets that.
 */
const IDLE_CONNECTION_MS = 4_000;
const agents = {
  "http:": keepSpareConnections(new http.Agent({ keepAlive: true, timeout: IDLE_CONNECTION_MS }), IDLE_CONNECTION_MS),
  "https:": keepSpareConnections(new https.Agent({ keepAlive: true, timeout: IDLE_CONNECTION_MS }), IDLE_CONNECTION_MS),
};

export interface UpstreamPost {
  body: string | Uint8Array;
  headers: Record<string, string>;
  /** Aborting it closes the connection, which is how the server learns to stop generating. */
  signal: AbortSignal;
}

/** An inference server's answer, read like a Fetch Response. Each body can be read once. */
export interface UpstreamResponse {
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  /** The body's chunks as they arrive (null: a 204 or 304); a loop left early calls release() or close(). */
  body: AsyncIterable<Uint8Array> | null;
  /** Done with the body: the rest of it is read and dropped, so that the connection is used again. */
  release(): void;
  /** Closes the connection mid-answer, which is how a server learns to stop generating. */
  close(): void;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

const utf8 = new TextDecoder();

function upstreamResponse(response: IncomingMessage): UpstreamResponse {
  const status = response.statusCode ?? 502;
  const bodyless = status === 204 || status === 304;
  if (bodyless) response.resume();
  const body: AsyncIterable<Uint8Array> | null = bodyless ? null : response.iterator({ destroyOnReturn: false });
  const bytes = async () => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body ?? []) chunks.push(chunk);
    return Buffer.concat(chunks);
  };
  const text = async () => utf8.decode(await bytes());
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: nodeHeaders(response),
    body,
    arrayBuffer: async () => {
      const buffer = await bytes();
      return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
    },
    text,
    json: async () => JSON.parse(await text()) as unknown,
    release: () => void response.resume(),
    close: () => void response.destroy(),
  };
}

export function postToUpstream(url: string, post: UpstreamPost): Promise<UpstreamResponse> {
  const target = new URL(url);
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    return Promise.reject(new TypeError(`Unsupported protocol in ${target.origin}`));
  }
  return send(target, post);
}

/**
 * One request, sent again (once) on another connection when the one it went out on had waited open
 * (a kept-alive connection, or a spare) and is closed under it before any answer: the server closed
 * it idle as the request went out, and most often read none of it (as Node's docs advise, from
 * `request.reusedSocket`). Had it read the request and then failed, the request goes again as a
 * failover would send it to another endpoint.
 */
function send(target: URL, post: UpstreamPost, resent = false): Promise<UpstreamResponse> {
  const { body, headers, signal } = post;
  const transport = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = transport.request(
      target,
      {
        method: "POST",
        agent: agents[target.protocol as keyof typeof agents],
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        signal,
      },
      (response) => {
        answered = true;
        resolve(upstreamResponse(response));
      },
    );
    request.once("error", (error: NodeJS.ErrnoException) => {
      const waitedOpen = request.reusedSocket || isWaitedSpare(request.socket);
      if (closedAsItWentOut(error, waitedOpen) && !resent && !answered && !signal.aborted) resolve(send(target, post, true));
      else reject(error);
    });
    request.end(body);
  });
}
