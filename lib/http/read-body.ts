// Reading a request body with a byte limit enforced while it streams in, so that an oversized body
// costs at most the limit in memory however large it is (a body read whole first, then measured, let
// one unauthenticated 300 MB POST to the Stripe webhook take a gigabyte).
import { DomainError } from "@/lib/errors";
import { type RequestHead, refuseRestOfBody, requestBodySource } from "@/lib/http/node-web-bridge";

export function bodyTooLarge(limitBytes: number): DomainError {
  const limit = limitBytes >= 1024 * 1024 ? `${Math.round(limitBytes / (1024 * 1024))} MB` : `${Math.round(limitBytes / 1024)} KB`;
  return new DomainError("payload_too_large", `The request body is larger than the ${limit} this endpoint accepts.`);
}

/**
 * The body's bytes; throws payload_too_large (413) once more than `limitBytes` arrive, or at once if
 * its declared length is over. The answer then closes the connection, after lingering while the
 * client still sends (lib/http/lingering-close.ts), so that a client sending its whole body
 * before reading gets its 413 rather than a reset connection.
 */
export async function readBodyBytes(request: RequestHead, limitBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > limitBytes) throw refusal(request, limitBytes);
  const source = requestBodySource(request);
  if (!source) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const value of source) {
    total += value.byteLength;
    if (total > limitBytes) break;
    chunks.push(value);
  }
  if (total > limitBytes) throw refusal(request, limitBytes);
  return Buffer.concat(chunks);
}

function refusal(request: RequestHead, limitBytes: number): DomainError {
  refuseRestOfBody(request);
  return bodyTooLarge(limitBytes);
}

/** The body as UTF-8 text, with the same limit. */
export async function readBodyText(request: RequestHead, limitBytes: number): Promise<string> {
  return new TextDecoder().decode(await readBodyBytes(request, limitBytes));
}
