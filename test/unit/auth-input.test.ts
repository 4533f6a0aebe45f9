import { describe, expect, it } from "vitest";
import { clientIp } from "@/lib/auth/client-ip";
import { credentialsSchema, safeCallbackPath, signUpSchema } from "@/lib/auth/schemas";

describe("sign-up and sign-in input", () => {
  it("accepts an email in any capitalisation as the same lower-case address", () => {
    expect(signUpSchema.parse({ email: "  Ada@Example.COM ", password: "12345678" }).email).toBe("ada@example.com");
  });

  it("rejects a malformed email and a password under 8 characters with sentences for the form", () => {
    const result = signUpSchema.safeParse({ email: "ada@", password: "1234567" });
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((issue) => [issue.path.join("."), issue.message]);
    expect(messages).toEqual([
      ["email", "Enter a valid email address, like name@example.com."],
      ["password", "Use at least 8 characters."],
    ]);
  });

  it("lets an existing short password through sign-in (the hash decides), but not an empty one", () => {
    expect(credentialsSchema.safeParse({ email: "ada@example.com", password: "short" }).success).toBe(true);
    expect(credentialsSchema.safeParse({ email: "ada@example.com", password: "" }).success).toBe(false);
  });
});

describe("the callback path after sign-in", () => {
  it("keeps same-site paths with their query", () => {
    expect(safeCallbackPath("/usage?days=7")).toBe("/usage?days=7");
  });

  it("falls back to the dashboard for anything that could leave the site", () => {
    for (const attempt of ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "", undefined, ["/usage"]]) {
      expect(safeCallbackPath(attempt)).toBe("/dashboard");
    }
  });
});

describe("the client IP used for throttling", () => {
  it("is the address the nearest proxy appended, not one the client claimed", () => {
    expect(clientIp(new Headers({ "x-forwarded-for": "6.6.6.6, 203.0.113.7" }))).toBe("203.0.113.7");
    expect(clientIp(new Headers({ "x-real-ip": "198.51.100.2" }))).toBe("198.51.100.2");
    expect(clientIp(new Headers())).toBe("unknown");
  });
});
