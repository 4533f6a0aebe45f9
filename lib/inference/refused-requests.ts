// Requests a key made that were refused before credit was held for them — bad input (400), a
// revoked or expired key (401), no credit (402), an unknown model (404), a body too large (413),
// a rate limit (429) — are written to the request log too, at no cost and with their error code,
// so that the Usage page can answer "why did my calls fail?". Requests refused after the hold
// (an upstream failure) are in the log already: their settlement wrote them.
import "server-only";
import { runPrepared, type PreparedStatement } from "@/lib/db";
import { requestRefused } from "@/lib/inference/request-telemetry";

export interface RefusedRequest {
  requestId: string;
  userId: string;
  apiKeyId: string;
  modelId: string | null;
  endpoint: string;
  httpStatus: number;
  errorCode: string;
  latencyMs: number;
}

const LOG_REFUSED: PreparedStatement = {
  name: "log_refused_request",
  // $1 request id, $2 user id, $3 api key id, $4 model id, $5 endpoint, $6 http status, $7 error code, $8 latency ms
  text: `
    INSERT INTO "RequestLog" ("id", "userId", "apiKeyId", "modelId", "endpoint", "source", "status", "reserved", "cost",
                              "httpStatus", "errorCode", "latencyMs", "createdAt", "settledAt")
    VALUES ($1, $2, $3, $4, $5, 'API', 'FAILED', 0, 0, $6::integer, $7, $8::integer, now(), now())
    ON CONFLICT ("id") DO NOTHING`,
};

const MAX_ENDPOINT_CHARS = 200;

/**
 * Writes the refusal in the background: the answer does not wait for it, and a database that is
 * down loses the line (logged here), never the answer.
 */
export function logRefusedRequest(refused: RefusedRequest): void {
  requestRefused(refused.requestId, refused.endpoint, refused.httpStatus, refused.errorCode, refused.latencyMs);
  runPrepared(LOG_REFUSED, [
    refused.requestId,
    refused.userId,
    refused.apiKeyId,
    refused.modelId,
    refused.endpoint.slice(0, MAX_ENDPOINT_CHARS),
    refused.httpStatus,
    refused.errorCode.slice(0, 64),
    refused.latencyMs,
  ]).catch((error: unknown) => {
    console.error(`Could not log refused request ${refused.requestId}:`, error);
  });
}
