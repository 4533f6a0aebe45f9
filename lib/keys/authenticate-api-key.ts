// Turns the Authorization header of a /v1 request into the key's owner and limits. Every request
// reads the key row afresh (by its unique hash), so a revoked or expired key fails on the very
// next request; nothing is written here — lastUsedAt is set when the request is settled.
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import { displayApiKey, hashApiKey, isWellFormedApiKey, redactPresentedKey } from "@/lib/keys/key-format";

export interface ApiKeyPrincipal {
  userId: string;
  apiKeyId: string;
  /** Requests per minute for this key: its own limit, or the deployment default. */
  rateLimitRpm: number;
  /** Nano-dollars this key may spend in total; null when unlimited. */
  spendLimit: bigint | null;
}

function whereToFindKeys(): string {
  const origin = env().AUTH_URL;
  return origin ? `at ${new URL("/api-keys", origin).toString()}` : "on the API keys page of your EcoLink console";
}

function unauthenticated(message: string): DomainError {
  return new DomainError("unauthenticated", message);
}

function readBearerToken(authorizationHeader: string | null): string {
  const header = authorizationHeader?.trim() ?? "";
  if (header === "") {
    throw unauthenticated(
      `You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can find your API keys ${whereToFindKeys()}.`,
    );
  }
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw unauthenticated("Missing bearer authentication in header");
  return match[1];
}

const expiryDate = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });

export async function authenticateApiKey(authorizationHeader: string | null): Promise<ApiKeyPrincipal> {
  const presented = readBearerToken(authorizationHeader);
  const incorrect = () =>
    unauthenticated(`Incorrect API key provided: ${redactPresentedKey(presented)}. You can find your API keys ${whereToFindKeys()}.`);
  if (!isWellFormedApiKey(presented)) throw incorrect();

  const key = await db.apiKey.findUnique({
    where: { keyHash: hashApiKey(presented) },
    select: { id: true, userId: true, prefix: true, lastFour: true, rateLimitRpm: true, spendLimit: true, revokedAt: true, expiresAt: true },
  });
  if (!key) throw incorrect();
  const shown = displayApiKey(key.prefix, key.lastFour);
  if (key.revokedAt) {
    throw unauthenticated(`The API key ${shown} has been revoked. You can create a new one ${whereToFindKeys()}.`);
  }
  if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) {
    throw unauthenticated(
      `The API key ${shown} expired on ${expiryDate.format(key.expiresAt)}. You can create a new one ${whereToFindKeys()}.`,
    );
  }
  return {
    userId: key.userId,
    apiKeyId: key.id,
    rateLimitRpm: key.rateLimitRpm ?? env().RATE_LIMIT_RPM,
    spendLimit: key.spendLimit,
  };
}
