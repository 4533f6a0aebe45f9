// What a valid email and password are, shared by the forms' server actions and by the Credentials
// provider (whose endpoint is public, so it validates again).
import { z } from "zod";

export const PASSWORD_MIN_LENGTH = 8;
// argon2 hashes whatever it is given; the cap only stops megabyte "passwords" from costing CPU.
const PASSWORD_MAX_LENGTH = 200;

export const emailSchema = z
  .string({ message: "Enter your email address." })
  .trim()
  .min(1, "Enter your email address.")
  .max(254, "That email address is too long.")
  .pipe(z.email({ message: "Enter a valid email address, like name@example.com." }))
  // One account per mailbox whatever the capitalisation.
  .transform((email) => email.toLowerCase());

export const newPasswordSchema = z
  .string({ message: "Choose a password." })
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters.`)
  .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters.`);

export const credentialsSchema = z.object({
  email: emailSchema,
  password: z.string({ message: "Enter your password." }).min(1, "Enter your password.").max(PASSWORD_MAX_LENGTH, "Wrong email or password."),
});

export const signUpSchema = z.object({ email: emailSchema, password: newPasswordSchema });

// Any origin that can't be ours: a value that resolves elsewhere against it is refused.
const PROBE_ORIGIN = "https://callback.invalid";

/**
 * Only same-site paths ("/usage?days=7"); anything else gives the fallback: absolute URLs, "//host",
 * "/\\host", and values a browser would turn into those — it drops tabs and newlines and reads "\\"
 * as "/", so "/\t/evil.example" leads to evil.example. The value is resolved against an origin as
 * the browser would, and kept only if it stays there; control characters, spaces and non-ASCII are
 * refused outright (they also have no place in a Location header).
 */
export function safeCallbackPath(value: unknown, fallback = "/dashboard"): string {
  if (typeof value !== "string" || !/^\/[\x21-\x7e]*$/.test(value) || value.startsWith("//") || value.includes("\\")) return fallback;
  let resolved: URL;
  try {
    resolved = new URL(value, PROBE_ORIGIN);
  } catch {
    return fallback;
  }
  if (resolved.origin !== PROBE_ORIGIN) return fallback;
  const path = `${resolved.pathname}${resolved.search}${resolved.hash}`;
  // The path as given must be the path as resolved, or something in it was read differently.
  return path === value && !path.startsWith("//") ? path : fallback;
}
