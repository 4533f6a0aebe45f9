// The upstream provider's HTTP client: a POST to an inference server over node:http(s) with
// keep-alive connections, answered as a Fetch Response so the provider reads it as it would read
// fetch's. It is here because it is on the path of every API request, where fetch (undici) cost
// more per call and added slow tails; `npm run bench` measures the gateway as it stands.
import http from "node:http";
import https from "node:https";
import { Readable } from "node:stream";
import { headersFromRaw } from "@/lib/http/node-web-bridge";

const agents = {
  "http:": new http.Agent({ keepAlive: true }),
  "https:": new https.Agent({ keepAlive: true }),
};

export interface UpstreamPost {
  body: string | Uint8Array;
  headers: Record<string, string>;
  /** Aborting it closes the connection, which is how the server learns to stop generating. */
  signal: AbortSignal;
}

export function postToUpstream(url: string, { body, headers, signal }: UpstreamPost): Promise<Response> {
  const target = new URL(url);
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    return Promise.reject(new TypeError(`Unsupported protocol in ${target.origin}`));
  }
  const transport = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      target,
      {
        method: "POST",
        agent: agents[target.protocol as keyof typeof agents],
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        signal,
      },
      (response) => {
        const status = response.statusCode ?? 502;
        const bodyless = status === 204 || status === 304;
        if (bodyless) response.resume();
        resolve(
          new Response(bodyless ? null : (Readable.toWeb(response) as ReadableStream<Uint8Array>), {
            status,
            statusText: response.statusMessage,
            headers: headersFromRaw(response.rawHeaders),
          }),
        );
      },
    );
    request.once("error", reject);
    request.end(body);
  });
}
