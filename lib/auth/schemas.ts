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

/** Only same-site paths ("/usage?days=7"), never "//evil.example" or absolute URLs: an open redirect otherwise. */
export function safeCallbackPath(value: unknown, fallback = "/dashboard"): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return fallback;
  return value;
}
