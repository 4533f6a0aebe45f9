import { describe, expect, it } from "vitest";
import { newApiKeySchema } from "@/lib/keys/api-keys";
import { displayApiKey, generateApiKey, hashApiKey, isWellFormedApiKey, redactPresentedKey } from "@/lib/keys/key-format";
import { usdToNanos } from "@/lib/credits/money";
import { formatCalendarDate, formatRelativeTime } from "@/components/ui/dates";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

describe("API key format", () => {
  it("is eco_ followed by 40 base62 characters, with a display prefix and last four taken from the key", () => {
    const { key, prefix, lastFour } = generateApiKey();
    expect(key).toMatch(/^eco_[0-9A-Za-z]{40}$/);
    expect(prefix).toBe(key.slice(0, 8));
    expect(prefix.startsWith("eco_")).toBe(true);
    expect(lastFour).toBe(key.slice(-4));
    expect(displayApiKey(prefix, lastFour)).toBe(`${key.slice(0, 8)}…${key.slice(-4)}`);
    expect(isWellFormedApiKey(key)).toBe(true);
  });

  it("never repeats a key and spreads characters evenly over the whole alphabet (no modulo bias)", () => {
    const keys = Array.from({ length: 2000 }, () => generateApiKey().key);
    expect(new Set(keys).size).toBe(keys.length);

    const counts = new Map<string, number>();
    for (const key of keys) for (const char of key.slice(4)) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect([...counts.keys()].sort().join("")).toBe([...BASE62].sort().join(""));
    // Without rejection sampling, `byte % 62` makes the first 8 characters 25% more frequent.
    const perChar = (chars: string) => [...chars].reduce((sum, c) => sum + (counts.get(c) ?? 0), 0) / chars.length;
    expect(perChar(BASE62.slice(0, 8)) / perChar(BASE62.slice(8))).toBeGreaterThan(0.93);
    expect(perChar(BASE62.slice(0, 8)) / perChar(BASE62.slice(8))).toBeLessThan(1.07);
  });

  it("stores the SHA-256 hex of the key, never the key", () => {
    expect(hashApiKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const generated = generateApiKey();
    expect(generated.keyHash).toBe(hashApiKey(generated.key));
    expect(generated.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(generated.keyHash).not.toContain(generated.key.slice(4));
  });

  it("rejects strings that are not keys and redacts what it echoes back", () => {
    const { key } = generateApiKey();
    for (const bad of ["", "eco_", key.slice(0, -1), `${key}x`, `sk_${key.slice(4)}`, `${key.slice(0, -1)}-`, ` ${key}`]) {
      expect(isWellFormedApiKey(bad), bad).toBe(false);
    }
    expect(redactPresentedKey(key)).toBe(`${key.slice(0, 8)}…${key.slice(-4)}`);
    expect(redactPresentedKey("short")).toBe("****");
  });
});

describe("the create-key form", () => {
  it("turns empty optional fields into no expiry, no spend limit and the default rate limit", () => {
    const parsed = newApiKeySchema.parse({ name: "  Laptop  ", expiresAt: "", spendLimit: "", rateLimitRpm: "" });
    expect(parsed).toEqual({ name: "Laptop", expiresAt: null, spendLimit: null, rateLimitRpm: null });
  });

  it("reads the spend limit in dollars exactly, the expiry as a date and the rate limit as a number", () => {
    const expiresAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const parsed = newApiKeySchema.parse({ name: "CI", expiresAt, spendLimit: "12.50", rateLimitRpm: "120" });
    expect(parsed.spendLimit).toBe(usdToNanos("12.5"));
    expect(parsed.expiresAt?.toISOString()).toBe(expiresAt);
    expect(parsed.rateLimitRpm).toBe(120);
  });

  it("explains each invalid field in words", () => {
    const result = newApiKeySchema.safeParse({
      name: " ",
      expiresAt: new Date(Date.now() - 1000).toISOString(),
      spendLimit: "1.234",
      rateLimitRpm: "0",
    });
    expect(result.success).toBe(false);
    const messages = Object.fromEntries(result.error!.issues.map((issue) => [issue.path.join("."), issue.message]));
    expect(messages).toEqual({
      name: "Give the key a name.",
      expiresAt: "The expiry date must be in the future.",
      spendLimit: "Enter the spend limit in dollars, like 5 or 12.50.",
      rateLimitRpm: "Allow at least 1 request per minute.",
    });
    expect(newApiKeySchema.safeParse({ name: "x", spendLimit: "0" }).error?.issues[0]?.message).toBe("The spend limit must be more than $0.");
  });
});

describe("dates on the keys page", () => {
  const now = new Date("2026-11-25T15:00:00Z");
  const ago = (ms: number) => new Date(now.getTime() - ms);

  it("read as people say them", () => {
    expect(formatCalendarDate(new Date("2026-11-25T10:00:00Z"))).toBe("Nov 25, 2026");
    expect(formatRelativeTime(ago(20_000), now)).toBe("just now");
    expect(formatRelativeTime(ago(3 * 60_000 + 5_000), now)).toBe("3 minutes ago");
    expect(formatRelativeTime(ago(2 * 3_600_000), now)).toBe("2 hours ago");
    expect(formatRelativeTime(ago(26 * 3_600_000), now)).toBe("yesterday");
    expect(formatRelativeTime(new Date(now.getTime() + 3 * 86_400_000), now)).toBe("in 3 days");
    expect(formatRelativeTime(ago(40 * 86_400_000), now)).toBe("Oct 16, 2026");
  });
});
