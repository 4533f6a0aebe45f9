import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { getBalance, ledgerTotal } from "@/lib/credits/ledger";
import { authenticateWithPassword } from "@/lib/auth/credentials";
import { sendVerificationEmail } from "@/lib/auth/email-verification";
import { registerUser } from "@/lib/auth/registration";
import { isDomainError } from "@/lib/errors";
import { firstLink, waitForMail } from "../support/mail-sink";
import { uniqueEmail } from "../support/factories";

const PASSWORD = "correct horse battery";

beforeAll(() => {
  // This process sends the verification emails itself, as the app would: through the stack's SMTP
  // sink, with links to the running app.
  process.env.AUTH_URL = process.env.APP_URL;
  process.env.SMTP_URL = `smtp://127.0.0.1:${process.env.SMTP_PORT}`;
});

async function verificationLink(email: string, since: Date): Promise<string> {
  return firstLink(await waitForMail(process.env.MAIL_DIR!, email, { subject: /verify/i, since }));
}

async function signupCredits(userId: string) {
  return db.ledgerEntry.findMany({ where: { userId, kind: "SIGNUP_CREDIT" }, select: { amount: true, reference: true } });
}

/** A sign-in through Auth.js's public credentials endpoint, as a script would try it, from `ip`. */
async function attemptSignIn(email: string, password: string, ip: string): Promise<{ signedIn: boolean; code: string | null; cookie: string }> {
  const app = process.env.APP_URL!;
  const csrf = await fetch(`${app}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookie = csrf.headers.getSetCookie().map((header) => header.split(";")[0]).join("; ");
  const response = await fetch(`${app}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie, "x-forwarded-for": ip },
    body: new URLSearchParams({ email, password, csrfToken, callbackUrl: `${app}/dashboard` }),
  });
  const session = response.headers.getSetCookie().find((header) => /^(__Secure-)?authjs\.session-token=[^;]+/.test(header));
  return { signedIn: Boolean(session), code: new URL(response.headers.get("location") ?? "/", app).searchParams.get("code"), cookie: session?.split(";")[0] ?? "" };
}

function randomIp(): string {
  const byte = () => Math.floor(Math.random() * 254) + 1;
  return `10.${byte()}.${byte()}.${byte()}`;
}

describe("the sign-up credit", () => {
  it("is granted once when the verification link is followed twice", { timeout: 180_000 }, async () => {
    const since = new Date();
    const user = await registerUser({ email: uniqueEmail("verify-twice"), password: PASSWORD });
    await sendVerificationEmail(user.id);
    const link = await verificationLink(user.email, since);
    expect(link.startsWith(`${process.env.APP_URL}/verify-email?token=`)).toBe(true);

    const first = await (await fetch(link)).text();
    const second = await (await fetch(link)).text();

    expect(first).toContain("Your email is verified — $1.00 credit added");
    expect(second).toContain("Your email is already verified");
    expect(second).not.toContain("credit added");
    expect(await signupCredits(user.id)).toEqual([{ amount: 1_000_000_000n, reference: `signup:${user.id}` }]);
    expect((await getBalance(user.id)).balance).toBe(1_000_000_000n);
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).emailVerified).not.toBeNull();

    const { cookie } = await attemptSignIn(user.email, PASSWORD, randomIp());
    const balance = await fetch(`${process.env.APP_URL}/api/account/balance`, { headers: { cookie } });
    expect(await balance.json()).toEqual({
      balance: "1.000000000",
      held: "0.000000000",
      available: "1.000000000",
      formatted: { balance: "$1.00", held: "$0.00", available: "$1.00" },
    });
    expect((await fetch(`${process.env.APP_URL}/api/account/balance`)).status).toBe(401);
  });

  it("is granted once when two verification links are each followed several times at once", { timeout: 180_000 }, async () => {
    const user = await registerUser({ email: uniqueEmail("verify-race"), password: PASSWORD });
    const firstSent = new Date();
    await sendVerificationEmail(user.id);
    const linkA = await verificationLink(user.email, firstSent);
    // "Resend email" is allowed once a minute; pretend that minute has passed.
    await db.emailToken.updateMany({ where: { userId: user.id }, data: { createdAt: new Date(Date.now() - 120_000) } });
    const secondSent = new Date();
    await sendVerificationEmail(user.id);
    const linkB = await verificationLink(user.email, secondSent);
    expect(linkB).not.toBe(linkA);

    const responses = await Promise.all([linkA, linkB, linkA, linkB, linkA, linkB, linkA, linkB].map((link) => fetch(link)));
    const pages = await Promise.all(responses.map((response) => response.text()));

    expect(responses.map((response) => response.status)).toEqual(Array(8).fill(200));
    expect(pages.filter((page) => page.includes("$1.00 credit added"))).toHaveLength(1);
    expect(await signupCredits(user.id)).toHaveLength(1);
    expect(await getBalance(user.id)).toEqual({ balance: 1_000_000_000n, held: 0n, available: 1_000_000_000n });
    expect(await ledgerTotal(user.id)).toBe(1_000_000_000n);
  });
});

describe("sign-in throttling", () => {
  it("blocks an account after 5 failed sign-ins, from any IP, and says when to retry", { timeout: 180_000 }, async () => {
    const [user, neighbour] = await Promise.all([
      registerUser({ email: uniqueEmail("throttled"), password: PASSWORD }),
      registerUser({ email: uniqueEmail("neighbour"), password: PASSWORD }),
    ]);
    const ip = randomIp();
    expect(await attemptSignIn(user.email, PASSWORD, ip)).toMatchObject({ signedIn: true, code: null });

    for (let attempt = 0; attempt < 5; attempt++) {
      expect(await attemptSignIn(user.email, `wrong password ${attempt}`, ip)).toMatchObject({ signedIn: false, code: "unauthenticated" });
    }

    expect(await attemptSignIn(user.email, PASSWORD, ip)).toMatchObject({ signedIn: false, code: "rate_limited" });
    expect(await attemptSignIn(user.email, PASSWORD, randomIp())).toMatchObject({ signedIn: false, code: "rate_limited" });
    expect(await attemptSignIn(neighbour.email, PASSWORD, ip)).toMatchObject({ signedIn: true, code: null });
    const refusal = await authenticateWithPassword({ email: user.email, password: PASSWORD, ip }).catch((error: unknown) => error);
    expect(isDomainError(refusal) && refusal.code).toBe("rate_limited");
    expect((refusal as Error).message).toBe("Too many failed sign-in attempts. Try again in 15 minutes.");
  });

  it("blocks an IP after 20 failed sign-ins across accounts, while other IPs still sign in", { timeout: 300_000 }, async () => {
    const user = await registerUser({ email: uniqueEmail("shared-ip"), password: PASSWORD });
    const ip = randomIp();

    for (let attempt = 0; attempt < 20; attempt++) {
      expect(await attemptSignIn(`nobody-${randomUUID().slice(0, 8)}@example.test`, "guess", ip)).toMatchObject({ signedIn: false, code: "unauthenticated" });
    }

    expect(await attemptSignIn(user.email, PASSWORD, ip)).toMatchObject({ signedIn: false, code: "rate_limited" });
    expect(await attemptSignIn(user.email, PASSWORD, randomIp())).toMatchObject({ signedIn: true, code: null });
    expect(await db.user.count({ where: { email: { startsWith: "nobody-" } } })).toBe(0);
  });
});
