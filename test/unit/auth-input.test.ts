import { describe, expect, it } from "vitest";
import { clientIp } from "@/lib/auth/client-ip";
import { normalizedMailbox } from "@/lib/auth/mailbox";
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

  it("falls back for paths a browser would read as another host, and for control or non-ASCII characters", () => {
    // Each of these is a value as the page receives it (query decoding done): a browser drops tabs
    // and newlines from URLs and reads a backslash as a slash, so most of these lead to evil.example.
    const hostile = [
      "/\t/evil.example", // the reported one: callbackUrl=/%09/evil.example
      "/\n/evil.example",
      "/\r\n/evil.example",
      "/\r\nLocation: http://evil.example/",
      "/\\/evil.example",
      "/\\evil.example",
      "\\\\evil.example",
      "/\t\\evil.example",
      "///evil.example",
      "/ /evil.example",
      "/\u0000/evil.example",
      "/\u00a0/evil.example",
      "/\u2028/evil.example",
      "/\u3002evil.example",
      "/ｅvil.example",
      "/../..//evil.example",
      "/.//evil.example",
      "http:/evil.example",
      "https:evil.example",
      "  /usage",
    ];
    for (const attempt of hostile) expect(safeCallbackPath(attempt), JSON.stringify(attempt)).toBe("/dashboard");
  });

  it("keeps percent-encoded values as they are: the browser doesn't decode them into a host", () => {
    expect(safeCallbackPath("/%09/evil.example")).toBe("/%09/evil.example");
    expect(new URL(safeCallbackPath("/%2F%2Fevil.example"), "https://ours.example").origin).toBe("https://ours.example");
  });
});

describe("the client IP used for throttling", () => {
  it("is the socket's address that the front server set when no proxy is trusted, whatever the client claimed", () => {
    // The front server replaces the client's header; this is what a direct request to Next.js would carry.
    expect(clientIp(new Headers({ "x-forwarded-for": "6.6.6.6, 203.0.113.7" }), 0)).toBe("203.0.113.7");
    expect(clientIp(new Headers({ "x-real-ip": "198.51.100.2" }), 0)).toBe("unknown");
    expect(clientIp(new Headers(), 0)).toBe("unknown");
  });

  it("is the address the outermost trusted proxy saw, with TRUST_PROXY hops", () => {
    const chain = new Headers({ "x-forwarded-for": "6.6.6.6, 203.0.113.7, 10.0.0.2" });
    expect(clientIp(chain, 1)).toBe("203.0.113.7");
    expect(clientIp(chain, 2)).toBe("6.6.6.6");
    // More hops configured than the chain has: the leftmost is all there is.
    expect(clientIp(new Headers({ "x-forwarded-for": "203.0.113.7" }), 3)).toBe("203.0.113.7");
  });
});

describe("the mailbox an address delivers to", () => {
  it("ignores case and +tags everywhere, and dots and the googlemail.com spelling for Gmail", () => {
    expect(normalizedMailbox("Ada.Lovelace+test1@Gmail.com")).toBe("adalovelace@gmail.com");
    expect(normalizedMailbox("a.d.a.lovelace+x+y@googlemail.com")).toBe("adalovelace@gmail.com");
    expect(normalizedMailbox("ada.lovelace+farm@example.com")).toBe("ada.lovelace@example.com");
    expect(normalizedMailbox("ADA@EXAMPLE.COM")).toBe("ada@example.com");
    // A leading "+" is the whole local part, not a tag.
    expect(normalizedMailbox("+ada@example.com")).toBe("+ada@example.com");
  });
});
