// GET /metrics for Prometheus, answered by server.ts itself (not Next.js, whose process does not
// serve the API). Only with METRICS_TOKEN as a bearer token: request counts by model and the
// credit held are the operator's business. Without the variable the path does not exist (404),
// so that a deployment that never configured it exposes nothing.
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { env } from "@/lib/env";
import { metricsText } from "@/lib/metrics";

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(text);
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const presented = Buffer.from(/^Bearer (.+)$/i.exec(header ?? "")?.[1] ?? "");
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

export async function serveMetrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const token = env().METRICS_TOKEN;
  if (!token) return plain(res, 404, "Not found\n");
  if (req.method !== "GET" && req.method !== "HEAD") return plain(res, 405, "Method not allowed\n", { allow: "GET, HEAD" });
  if (!tokenMatches(req.headers.authorization, token)) {
    return plain(res, 401, "A bearer token (METRICS_TOKEN) is required.\n", { "www-authenticate": 'Bearer realm="metrics"' });
  }
  try {
    const { contentType, body } = await metricsText();
    res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : body);
  } catch (error) {
    console.error("Could not collect metrics:", error);
    if (!res.headersSent) plain(res, 500, "Could not collect metrics.\n");
  }
}
