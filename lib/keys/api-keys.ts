// A user's API keys: create (the secret is returned once and never stored), list, revoke. Every
// function takes the owner's id from the session and scopes its query by it, so a key id from a
// client can only ever reach that user's own keys.
import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { usdToNanos } from "@/lib/credits/money";
import { displayApiKey, generateApiKey } from "@/lib/keys/key-format";

const API_KEY_NAME_MAX_LENGTH = 64;
const MAX_RATE_LIMIT_RPM = 100_000;
const MAX_SPEND_LIMIT_USD = 1_000_000;
const MAX_EXPIRY_MS = 5 * 366 * 24 * 60 * 60 * 1000;

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((value) => value || undefined);

/**
 * The create-key form as submitted (all strings), checked and turned into domain values. Empty
 * optional fields mean "none": no expiry, no spend limit, the deployment's default rate limit.
 */
export const newApiKeySchema = z.object({
  name: z
    .string({ message: "Give the key a name." })
    .trim()
    .min(1, "Give the key a name.")
    .max(API_KEY_NAME_MAX_LENGTH, `Keep the name to ${API_KEY_NAME_MAX_LENGTH} characters or fewer.`),
  expiresAt: optionalText
    .pipe(z.iso.datetime({ offset: true, message: "Choose a valid expiry date." }).optional())
    .transform((value) => (value ? new Date(value) : null))
    .refine((date) => date === null || date.getTime() > Date.now(), "The expiry date must be in the future.")
    .refine((date) => date === null || date.getTime() - Date.now() <= MAX_EXPIRY_MS, "Keys can expire at most five years from now."),
  /** Dollars in the form ("12.50"), nano-dollars after parsing. */
  spendLimit: optionalText
    .pipe(
      z
        .string()
        .regex(/^\d+(\.\d{1,2})?$/, "Enter the spend limit in dollars, like 5 or 12.50.")
        .optional(),
    )
    .transform((value) => (value ? usdToNanos(value) : null))
    .refine((nanos) => nanos === null || nanos > 0n, "The spend limit must be more than $0.")
    .refine((nanos) => nanos === null || nanos <= usdToNanos(MAX_SPEND_LIMIT_USD), "The spend limit can be at most $1,000,000."),
  rateLimitRpm: optionalText
    .pipe(z.string().regex(/^\d+$/, "Enter a whole number of requests per minute.").optional())
    .transform((value) => (value ? Number(value) : null))
    .refine((rpm) => rpm === null || rpm >= 1, "Allow at least 1 request per minute.")
    .refine((rpm) => rpm === null || rpm <= MAX_RATE_LIMIT_RPM, `The limit can be at most ${MAX_RATE_LIMIT_RPM.toLocaleString("en-US")} requests per minute.`),
});

export type NewApiKey = z.output<typeof newApiKeySchema>;

export type ApiKeyStatus = "active" | "revoked" | "expired";

export interface ApiKeySummary {
  id: string;
  name: string;
  /** "eco_abcd…wxyz" */
  display: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  /** Nano-dollars settled on this key so far. */
  spent: bigint;
  spendLimit: bigint | null;
  rateLimitRpm: number | null;
  status: ApiKeyStatus;
}

export interface CreatedApiKey {
  /** The full key. This is the only time it exists outside its owner's hands. */
  secret: string;
  apiKey: ApiKeySummary;
}

const summaryFields = {
  id: true,
  name: true,
  prefix: true,
  lastFour: true,
  createdAt: true,
  lastUsedAt: true,
  expiresAt: true,
  revokedAt: true,
  spent: true,
  spendLimit: true,
  rateLimitRpm: true,
} as const;

type KeyRow = Prisma.ApiKeyGetPayload<{ select: typeof summaryFields }>;

export function apiKeyStatus(key: { revokedAt: Date | null; expiresAt: Date | null }, now = new Date()): ApiKeyStatus {
  if (key.revokedAt) return "revoked";
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return "expired";
  return "active";
}

function toSummary({ prefix, lastFour, ...key }: KeyRow, now = new Date()): ApiKeySummary {
  return { ...key, display: displayApiKey(prefix, lastFour), status: apiKeyStatus(key, now) };
}

/**
 * Creates a key, unless the user already has MAX_API_KEYS_PER_ACCOUNT active ones. The user's row is
 * locked while counting, so concurrent creations are counted one after the other and none slips
 * past the cap.
 */
export async function createApiKey(userId: string, input: NewApiKey): Promise<CreatedApiKey> {
  const secret = generateApiKey();
  const maxKeys = env().MAX_API_KEYS_PER_ACCOUNT;
  const row = await db.$transaction(
    async (tx) => {
      await tx.$queryRaw`SELECT 1 FROM "User" WHERE "id" = ${userId} FOR UPDATE`;
      const now = new Date();
      const active = await tx.apiKey.count({ where: { userId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] } });
      if (active >= maxKeys) {
        throw new DomainError(
          "conflict",
          `You already have ${maxKeys} active API keys, the most an account can have. Revoke a key you no longer use, then create this one.`,
        );
      }
      return tx.apiKey.create({
        data: {
          userId,
          name: input.name,
          keyHash: secret.keyHash,
          prefix: secret.prefix,
          lastFour: secret.lastFour,
          expiresAt: input.expiresAt,
          spendLimit: input.spendLimit,
          rateLimitRpm: input.rateLimitRpm,
        },
        select: summaryFields,
      });
    },
    { maxWait: 15_000, timeout: 15_000 },
  );
  return { secret: secret.key, apiKey: toSummary(row) };
}

/** The user's keys, newest first. */
export async function listApiKeys(userId: string): Promise<ApiKeySummary[]> {
  const rows = await db.apiKey.findMany({ where: { userId }, orderBy: { createdAt: "desc" }, select: summaryFields });
  const now = new Date();
  return rows.map((row) => toSummary(row, now));
}

/**
 * Revokes one of the user's keys; requests with it fail from the next one on. Revoking an already
 * revoked key changes nothing. A key of another user is reported as not found, exactly like a key
 * that doesn't exist, so ids can't be probed.
 */
export async function revokeApiKey(userId: string, apiKeyId: string): Promise<ApiKeySummary> {
  await db.apiKey.updateMany({ where: { id: apiKeyId, userId, revokedAt: null }, data: { revokedAt: new Date() } });
  const row = await db.apiKey.findFirst({ where: { id: apiKeyId, userId }, select: summaryFields });
  if (!row) throw new DomainError("not_found", "That API key doesn't exist.");
  return toSummary(row);
}
