import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { getBalance, ledgerTotal } from "@/lib/credits/ledger";
import { authenticateWithPassword } from "@/lib/auth/credentials";
import { sendVerificationEmail, signupCreditReference } from "@/lib/auth/email-verification";
import { registerUser } from "@/lib/auth/registration";
import { isDomainError } from "@/lib/errors";
import { firstLink, waitForMail } from "../support/mail-sink";
import { uniqueEmail } from "../support/factories";
import { attemptSignIn, freshLoopbackIp } from "../support/http-from";

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

function attempt(email: string, password: string, from: string) {
  return attemptSignIn(process.env.APP_URL!, { email, password, from });
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
    expect(await signupCredits(user.id)).toEqual([{ amount: 1_000_000_000n, reference: signupCreditReference(user.email) }]);
    expect((await getBalance(user.id)).balance).toBe(1_000_000_000n);
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).emailVerified).not.toBeNull();

    const { cookie } = await attempt(user.email, PASSWORD, freshLoopbackIp());
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
  it("makes one IP wait longer and longer after 5 failures on an account, while its owner signs in from another IP", { timeout: 180_000 }, async () => {
    const [user, neighbour] = await Promise.all([
      registerUser({ email: uniqueEmail("throttled"), password: PASSWORD }),
      registerUser({ email: uniqueEmail("neighbour"), password: PASSWORD }),
    ]);
    const attacker = freshLoopbackIp();
    for (let n = 0; n < 5; n++) {
      expect(await attempt(user.email, `wrong password ${n}`, attacker)).toMatchObject({ signedIn: false, code: "unauthenticated" });
    }

    // Even the right password waits, from the attacker's address…
    expect(await attempt(user.email, PASSWORD, attacker)).toMatchObject({ signedIn: false, code: "rate_limited" });
    const refusal = await authenticateWithPassword({ email: user.email, password: PASSWORD, ip: attacker }).catch((error: unknown) => error);
    expect(isDomainError(refusal) && refusal.code).toBe("rate_limited");
    expect((refusal as Error).message).toMatch(/^Too many failed sign-in attempts\. Try again in (30|2\d) seconds\.$/);
    // …but the owner, elsewhere, is not locked out (on the old code the account was, for 15 minutes),
    expect(await attempt(user.email, PASSWORD, freshLoopbackIp())).toMatchObject({ signedIn: true, code: null });
    // and the attacker's address may still sign in to other accounts.
    expect(await attempt(neighbour.email, PASSWORD, attacker)).toMatchObject({ signedIn: true, code: null });

    // Each failure past the fifth doubles the wait: pretend the first wait has passed, fail once more.
    await db.signInFailure.updateMany({ where: { email: user.email, ip: attacker }, data: { createdAt: new Date(Date.now() - 31_000) } });
    expect(await attempt(user.email, "wrong again", attacker)).toMatchObject({ signedIn: false, code: "unauthenticated" });
    const longer = await authenticateWithPassword({ email: user.email, password: PASSWORD, ip: attacker }).catch((error: unknown) => error);
    expect((longer as Error).message).toMatch(/^Too many failed sign-in attempts\. Try again in (1 minute|5\d seconds)\.$/);
  });

  it("blocks an IP after 20 failed sign-ins across accounts — whatever X-Forwarded-For it sends — while other IPs still sign in", {
    timeout: 300_000,
  }, async () => {
    const user = await registerUser({ email: uniqueEmail("shared-ip"), password: PASSWORD });
    const ip = freshLoopbackIp();
    const app = process.env.APP_URL!;

    // A different made-up address with every attempt: on the old code none of these was ever throttled.
    const codes: (string | null)[] = [];
    for (let n = 0; n < 24; n++) {
      const madeUp = { "x-forwarded-for": `10.${n}.${n}.${n}`, "x-real-ip": `10.${n}.0.1` };
      codes.push((await attemptSignIn(app, { email: `nobody-${randomUUID().slice(0, 8)}@example.test`, password: "guess", from: ip, headers: madeUp })).code);
    }
    expect(codes).toEqual([...Array(20).fill("unauthenticated"), ...Array(4).fill("rate_limited")]);

    expect(await attemptSignIn(app, { email: user.email, password: PASSWORD, from: ip, headers: { "x-forwarded-for": "10.99.99.99" } })).toMatchObject({
      signedIn: false,
      code: "rate_limited",
    });
    expect(await attempt(user.email, PASSWORD, freshLoopbackIp())).toMatchObject({ signedIn: true, code: null });
    expect(await db.user.count({ where: { email: { startsWith: "nobody-" } } })).toBe(0);
  });
});
