// Reading a request body with a byte limit enforced while it streams in, so that an oversized body
// costs at most the limit in memory however large it is (a body read whole first, then measured, let
// one unauthenticated 300 MB POST to the Stripe webhook take a gigabyte).
import { DomainError } from "@/lib/errors";
import { requestBodySource, type RequestHead } from "@/lib/http/node-web-bridge";

/** Past this we stop reading an oversized body and let the connection drop. */
export const MAX_DRAINED_BYTES = 64 * 1024 * 1024;

export interface ReadBodyOptions {
  /**
   * How far to keep reading (and discarding) an oversized body before answering, so that a client
   * that sends its whole body before reading the answer gets its 413 rather than a reset
   * connection. 0 answers as soon as the limit is passed: right for endpoints no legitimate client
   * sends large bodies to.
   */
  drainUpTo?: number;
}

export function bodyTooLarge(limitBytes: number): DomainError {
  const limit = limitBytes >= 1024 * 1024 ? `${Math.round(limitBytes / (1024 * 1024))} MB` : `${Math.round(limitBytes / 1024)} KB`;
  return new DomainError("payload_too_large", `The request body is larger than the ${limit} this endpoint accepts.`);
}

/** The body's bytes; throws payload_too_large (413) once more than `limitBytes` arrive. */
export async function readBodyBytes(
  request: RequestHead,
  limitBytes: number,
  { drainUpTo = MAX_DRAINED_BYTES }: ReadBodyOptions = {},
): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > Math.max(limitBytes, drainUpTo)) throw bodyTooLarge(limitBytes);
  const source = requestBodySource(request);
  if (!source) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const value of source) {
    total += value.byteLength;
    // Leaving the loop destroys (cancels) the stream: the rest is not read.
    if (total > limitBytes && total > drainUpTo) break;
    if (total <= limitBytes) chunks.push(value);
  }
  if (total > limitBytes) throw bodyTooLarge(limitBytes);
  return Buffer.concat(chunks);
}

/** The body as UTF-8 text, with the same limit. */
export async function readBodyText(request: RequestHead, limitBytes: number, options?: ReadBodyOptions): Promise<string> {
  return new TextDecoder().decode(await readBodyBytes(request, limitBytes, options));
}
