// Turns the Authorization header of a /v1 request into the key's owner and limits. A revoked or
// expired key fails on its very next request: authenticateApiKey reads the key row afresh (by its
// unique hash), and a request that reserves credit may instead use recentlyAuthenticatedApiKey,
// because the reserve statement re-checks the key in the same atomic step as it holds credit
// (reserveCredit), which saves a database round trip on the gateway's hot path. Nothing is
// written here — lastUsedAt is set when the request is settled.
import "server-only";
import { runPrepared, type PreparedStatement } from "@/lib/db";
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

/** A 401 for a key we found but may not use (revoked, expired): its owner's request log shows it. */
export class RefusedKeyError extends DomainError {
  constructor(
    message: string,
    readonly key: { userId: string; apiKeyId: string },
  ) {
    super("unauthenticated", message);
  }
}

function readBearerToken(authorizationHeader: string | null): string {
  const header = authorizationHeader?.trim() ?? "";
  if (header === "") {
    throw unauthenticated(
      `You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. ` +
        `Authorization: Bearer YOUR_KEY). You can find your API keys ${whereToFindKeys()}.`,
    );
  }
  const token = bearerToken(header);
  if (!token) throw unauthenticated("Missing bearer authentication in header");
  return token;
}

function bearerToken(authorizationHeader: string | null): string | null {
  return /^Bearer\s+(\S+)$/i.exec(authorizationHeader?.trim() ?? "")?.[1] ?? null;
}

interface ApiKeyRow {
  id: string;
  userId: string;
  prefix: string;
  lastFour: string;
  rateLimitRpm: number | null;
  spendLimit: string | null;
  revokedAt: Date | null;
  expiresAt: Date | null;
}

// Run on every /v1 request, hence a prepared statement rather than a Prisma query.
const FIND_KEY_BY_HASH: PreparedStatement = {
  name: "find_api_key_by_hash",
  text: `SELECT "id", "userId", "prefix", "lastFour", "rateLimitRpm", "spendLimit"::text,
                "revokedAt" AT TIME ZONE 'UTC' AS "revokedAt", "expiresAt" AT TIME ZONE 'UTC' AS "expiresAt"
         FROM "ApiKey" WHERE "keyHash" = $1`,
};

// Keys recently found valid, by hash. Bounded, and refreshed now and then so that a changed rate
// limit is picked up; revocation does not depend on it (see the top of this file).
const RECENT_KEYS_MAX = 10_000;
const RECENT_KEY_TTL_MS = 60_000;
const recentKeys = new Map<string, { principal: ApiKeyPrincipal; seenAt: number }>();

/** Called after the hash was deleted, so the newest key is last: the oldest goes when full. */
function remember(hash: string, principal: ApiKeyPrincipal): void {
  if (recentKeys.size >= RECENT_KEYS_MAX) recentKeys.delete(recentKeys.keys().next().value!);
  recentKeys.set(hash, { principal, seenAt: Date.now() });
}

/**
 * The principal of a key authenticateApiKey accepted in the last minute, without asking the
 * database; null otherwise. Only for a request that reserves credit before it does anything, and
 * that re-checks with authenticateApiKey before answering with any error (which may be the
 * revoked key's own doing).
 */
export function recentlyAuthenticatedApiKey(authorizationHeader: string | null): ApiKeyPrincipal | null {
  const token = bearerToken(authorizationHeader);
  if (!token || !isWellFormedApiKey(token)) return null;
  const recent = recentKeys.get(hashApiKey(token));
  return recent && Date.now() - recent.seenAt < RECENT_KEY_TTL_MS ? recent.principal : null;
}

const expiryDate = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });

export async function authenticateApiKey(authorizationHeader: string | null): Promise<ApiKeyPrincipal> {
  const presented = readBearerToken(authorizationHeader);
  const incorrect = () => unauthenticated(`Incorrect API key provided: ${redactPresentedKey(presented)}. You can find your API keys ${whereToFindKeys()}.`);
  if (!isWellFormedApiKey(presented)) throw incorrect();

  const hash = hashApiKey(presented);
  recentKeys.delete(hash);
  const [key] = await runPrepared<ApiKeyRow>(FIND_KEY_BY_HASH, [hash]);
  if (!key) throw incorrect();
  const shown = displayApiKey(key.prefix, key.lastFour);
  const owner = { userId: key.userId, apiKeyId: key.id };
  if (key.revokedAt) {
    throw new RefusedKeyError(`The API key ${shown} has been revoked. You can create a new one ${whereToFindKeys()}.`, owner);
  }
  if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) {
    throw new RefusedKeyError(`The API key ${shown} expired on ${expiryDate.format(key.expiresAt)}. You can create a new one ${whereToFindKeys()}.`, owner);
  }
  const principal: ApiKeyPrincipal = {
    userId: key.userId,
    apiKeyId: key.id,
    rateLimitRpm: key.rateLimitRpm ?? env().RATE_LIMIT_RPM,
    spendLimit: key.spendLimit === null ? null : BigInt(key.spendLimit),
  };
  remember(hash, principal);
  return principal;
}
