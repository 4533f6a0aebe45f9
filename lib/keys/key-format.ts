// What an EcoLink API key looks like, and the only forms of it we keep. The full key exists once,
// when it is created; the database stores its SHA-256 (the key carries 238 bits of randomness, so
// a fast unsalted hash is safe and lets us look a key up by its hash) plus a prefix and the last
// four characters so that people can tell their keys apart.
import "server-only";
import { createHash, randomBytes } from "node:crypto";

export const API_KEY_PREFIX = "eco_";
/** Random characters after the prefix: 40 × log2(62) ≈ 238 bits. */
export const API_KEY_RANDOM_LENGTH = 40;
/** How much of the key is kept for display: "eco_" plus four random characters. */
const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 4;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
// Bytes at or above 248 (= 4 × 62) are discarded so that `byte % 62` is uniform over the alphabet.
const UNBIASED_BYTE_LIMIT = 256 - (256 % BASE62.length);
const API_KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{${API_KEY_RANDOM_LENGTH}}$`);

export interface NewApiKeySecret {
  /** The full key: shown to its owner once, never stored. */
  key: string;
  keyHash: string;
  prefix: string;
  lastFour: string;
}

function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length)) {
      if (byte >= UNBIASED_BYTE_LIMIT) continue;
      out += BASE62[byte % BASE62.length];
      if (out.length === length) break;
    }
  }
  return out;
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

export function generateApiKey(): NewApiKeySecret {
  const key = API_KEY_PREFIX + randomBase62(API_KEY_RANDOM_LENGTH);
  return { key, keyHash: hashApiKey(key), prefix: key.slice(0, DISPLAY_PREFIX_LENGTH), lastFour: key.slice(-4) };
}

export function isWellFormedApiKey(candidate: string): boolean {
  return API_KEY_PATTERN.test(candidate);
}

/** "eco_abcd…wxyz": how a stored key is shown everywhere after its creation. */
export function displayApiKey(prefix: string, lastFour: string): string {
  return `${prefix}…${lastFour}`;
}

/**
 * A presented secret shortened for an error message: enough for its owner to recognise it, too
 * little to be useful to anyone reading logs. Short or odd strings are not echoed at all.
 */
export function redactPresentedKey(candidate: string): string {
  if (candidate.length < 16 || !/^[\x21-\x7e]+$/.test(candidate)) return "****";
  return displayApiKey(candidate.slice(0, DISPLAY_PREFIX_LENGTH), candidate.slice(-4));
}
