// The account-security holes of issue #11, each attacked for real against the production server
// (`npm start` with the test stack's PostgreSQL and SMTP sink): clients are told apart by the
// loopback address they connect from, as the server tells them apart by the socket.
import net from "node:net";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { getBalance } from "@/lib/credits/ledger";
import { issueEmailToken, emailTokenState } from "@/lib/auth/email-tokens";
import { resetPassword } from "@/lib/auth/password-reset";
import { registerUser } from "@/lib/auth/registration";
import { firstLink, waitForMail } from "../support/mail-sink";
import { uniqueEmail } from "../support/factories";
import { attemptSignIn, freshLoopbackIp, requestFrom, submitForm } from "../support/http-from";

const PASSWORD = "correct horse battery";
const app = () => process.env.APP_URL!;
const mailDir = () => process.env.MAIL_DIR!;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = performance.now();
  const result = await work();
  return { ms: performance.now() - start, result };
}

/** The text a visitor reads in the page's main part. */
function pageText(html: string): string {
  const main = /<main[\s\S]*<\/main>/.exec(html)?.[0] ?? html;
  return main
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
}

/** The answer with the address the visitor typed taken out, to compare two answers. */
function visibleAnswer(html: string, email: string): string {
  return pageText(html).replaceAll(email, "EMAIL");
}

describe("password-reset links (H1)", () => {
  it("point at AUTH_URL whatever Host or X-Forwarded-Host the request carries", { timeout: 120_000 }, async () => {
    const user = await registerUser({ email: uniqueEmail("poisoned-reset"), password: PASSWORD });
    const hostile: Record<string, string>[] = [{ host: "attacker.example" }, { "x-forwarded-host": "attacker.example", "x-forwarded-proto": "https" }];
    for (const headers of hostile) {
      const since = new Date();
      const answer = await submitForm(freshLoopbackIp(), `${app()}/forgot-password`, { email: user.email }, { headers });
      expect(answer.status).toBe(200);
      expect(pageText(answer.body)).toContain(`If an account exists for ${user.email},`);
      const link = firstLink(await waitForMail(mailDir(), user.email, { subject: /reset/i, since }));
      expect(new URL(link).origin).toBe(new URL(app()).origin);
      // The next request would be refused for a minute ("we just sent you an email"): let the next one through.
      await db.emailToken.updateMany({ where: { userId: user.id }, data: { createdAt: new Date(Date.now() - 120_000) } });
    }
  });
});

describe("reset links (L3)", () => {
  it("stop working once a newer one is issued", async () => {
    const user = await registerUser({ email: uniqueEmail("older-link"), password: PASSWORD });
    const older = await issueEmailToken(user.id, "RESET_PASSWORD");
    await db.emailToken.updateMany({ where: { userId: user.id }, data: { createdAt: new Date(Date.now() - 120_000) } });
    const newer = await issueEmailToken(user.id, "RESET_PASSWORD");

    expect(await emailTokenState(older, "RESET_PASSWORD")).not.toBe("valid");
    await expect(resetPassword(older, "an attacker's password")).rejects.toThrow("This reset link has expired or was already used");
    expect(await emailTokenState(newer, "RESET_PASSWORD")).toBe("valid");
    await expect(resetPassword(newer, "the owner's new password")).resolves.toEqual({ email: user.email });
  });
});

describe("sign-up and forgot-password (L2)", () => {
  it("answer the same, in about the same time, whether or not the address has an account; its owner gets a note", { timeout: 300_000 }, async () => {
    const existing = await registerUser({ email: uniqueEmail("enumerated"), password: PASSWORD });
    const signUp = (email: string) => timed(() => submitForm(freshLoopbackIp(), `${app()}/sign-up`, { email, password: "another password" }));

    const since = new Date();
    const taken = await signUp(existing.email);
    const freshEmail = uniqueEmail("not-enumerated");
    const fresh = await signUp(freshEmail);
    expect(taken.result.status).toBe(200);
    expect(fresh.result.status).toBe(200);
    expect(visibleAnswer(taken.result.body, existing.email)).toBe(visibleAnswer(fresh.result.body, freshEmail));
    expect(pageText(taken.result.body)).toContain(`Check your inbox We've sent an email to ${existing.email}.`);
    expect(pageText(taken.result.body)).not.toContain("already exists");

    const note = await waitForMail(mailDir(), existing.email, { subject: /already have an EcoLink account/, since });
    expect(note.text).toContain(`${new URL(app()).origin}/forgot-password`);
    expect(firstLink(await waitForMail(mailDir(), freshEmail, { subject: /verify/i, since }))).toMatch(
      new RegExp(`^${new URL(app()).origin}/verify-email\\?token=`),
    );
    expect(await db.user.count({ where: { email: existing.email } })).toBe(1);

    // Timing: medians of several tries each, alternating, with a generous margin — the old code's
    // gap was the SMTP conversation (sign-up) or the whole mail (forgot-password) done inline.
    const takenTimes: number[] = [];
    const freshTimes: number[] = [];
    for (let n = 0; n < 5; n++) {
      takenTimes.push((await signUp(existing.email)).ms);
      freshTimes.push((await signUp(uniqueEmail("timing"))).ms);
    }
    expect(Math.abs(median(takenTimes) - median(freshTimes))).toBeLessThan(Math.max(60, 0.5 * median(freshTimes)));

    const resetTimes: number[] = [];
    const noAccountTimes: number[] = [];
    for (let n = 0; n < 5; n++) {
      const owner = await registerUser({ email: uniqueEmail("reset-timing"), password: PASSWORD });
      const asked = await timed(() => submitForm(freshLoopbackIp(), `${app()}/forgot-password`, { email: owner.email }));
      const nobody = uniqueEmail("reset-nobody");
      const unasked = await timed(() => submitForm(freshLoopbackIp(), `${app()}/forgot-password`, { email: nobody }));
      expect(visibleAnswer(asked.result.body, owner.email)).toBe(visibleAnswer(unasked.result.body, nobody));
      resetTimes.push(asked.ms);
      noAccountTimes.push(unasked.ms);
    }
    expect(Math.abs(median(resetTimes) - median(noAccountTimes))).toBeLessThan(Math.max(60, 0.5 * median(noAccountTimes)));
  });
});

describe("the free sign-up credit", () => {
  it("is granted once per mailbox: +tags and Gmail dots make new accounts, not new credit", { timeout: 300_000 }, async () => {
    const local = `farmer${Date.now()}`;
    const spellings = [`${local}@gmail.com`, `${local}+2@gmail.com`, `${local.slice(0, 3)}.${local.slice(3)}+3@googlemail.com`];
    const ip = freshLoopbackIp();
    const since = new Date();
    for (const email of spellings) {
      const answer = await submitForm(ip, `${app()}/sign-up`, { email, password: PASSWORD });
      expect(answer.body).toContain("Check your inbox");
    }
    const pages: string[] = [];
    for (const email of spellings) {
      const link = firstLink(await waitForMail(mailDir(), email, { subject: /verify/i, since }));
      pages.push(await (await fetch(link)).text());
    }

    expect(pages[0]).toContain("Your email is verified — $1.00 credit added");
    for (const page of pages.slice(1)) {
      expect(page).toContain("Your email is verified");
      expect(page).not.toContain("credit added");
      expect(page).toContain("No free credit on this account");
    }
    const users = await db.user.findMany({ where: { email: { in: spellings } }, select: { id: true, email: true, emailVerified: true } });
    expect(users).toHaveLength(3);
    const balances = await Promise.all(spellings.map(async (email) => (await getBalance(users.find((user) => user.email === email)!.id)).balance));
    expect(balances).toEqual([1_000_000_000n, 0n, 0n]);
    expect(users.every((user) => user.emailVerified)).toBe(true);
    // The second account still signs in and works.
    expect(await attemptSignIn(app(), { email: spellings[1]!, password: PASSWORD, from: freshLoopbackIp() })).toMatchObject({ signedIn: true });
  });

  it("sign-ups from one IP are limited per hour, the same way for new and registered addresses", { timeout: 300_000 }, async () => {
    const registered = await registerUser({ email: uniqueEmail("limit-registered"), password: PASSWORD });
    const ip = freshLoopbackIp();
    const answers: string[] = [];
    for (let n = 0; n < 5; n++) answers.push((await submitForm(ip, `${app()}/sign-up`, { email: uniqueEmail("limit"), password: PASSWORD })).body);
    expect(answers.every((body) => body.includes("Check your inbox"))).toBe(true);

    for (const email of [uniqueEmail("limit-sixth"), registered.email]) {
      const refused = await submitForm(ip, `${app()}/sign-up`, { email, password: PASSWORD });
      expect(refused.body).toMatch(/Too many sign-ups from your network\. Try again in \d+ minutes?\./);
    }
    expect(await db.user.count({ where: { email: { startsWith: "limit-sixth" } } })).toBe(0);
    // Another address isn't affected.
    expect((await submitForm(freshLoopbackIp(), `${app()}/sign-up`, { email: uniqueEmail("limit-other"), password: PASSWORD })).body).toContain(
      "Check your inbox",
    );
  });
});

describe("the sign-in callback (M3)", () => {
  it("redirects a signed-in visitor to our dashboard for hostile callbackUrls, never a 500", { timeout: 120_000 }, async () => {
    const user = await registerUser({ email: uniqueEmail("callback"), password: PASSWORD });
    const { cookie } = await attemptSignIn(app(), { email: user.email, password: PASSWORD, from: freshLoopbackIp() });
    const ip = freshLoopbackIp();
    for (const hostile of ["/%09/evil.example", "/%5C/evil.example", "/%0D%0ASet-Cookie:%20x=1", "/%E2%80%A8/evil.example", "//evil.example", "/%C3%A9"]) {
      const answer = await requestFrom(ip, `${app()}/sign-in?callbackUrl=${hostile}`, { headers: { cookie } });
      expect(answer.status, hostile).toBeGreaterThanOrEqual(300);
      expect(answer.status, hostile).toBeLessThan(500);
      expect(new URL(String(answer.headers.location), app()).href, hostile).toBe(`${app()}/dashboard`);
    }
    const kept = await requestFrom(ip, `${app()}/sign-in?callbackUrl=%2Fusage%3Fdays%3D7`, { headers: { cookie } });
    expect(new URL(String(kept.headers.location), app()).href).toBe(`${app()}/usage?days=7`);
  });
});

describe("request bodies outside /v1 (H2, front server)", () => {
  it("are refused with 413 past the webhook's 1 MB, and the server keeps serving", { timeout: 120_000 }, async () => {
    const answer = await requestFrom(freshLoopbackIp(), `${app()}/api/stripe/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": "t=1,v1=00" },
      body: Buffer.alloc(2 * 1024 * 1024, 32),
    }).catch((error: unknown) => error);
    expect(answer).toMatchObject({ status: 413, body: expect.stringContaining("too large") });
    expect((await fetch(`${app()}/api/health`)).status).toBe(200);
  });
});

describe("a malformed Host header on /v1 (L4)", () => {
  it("gets a 400 in OpenAI's error shape", { timeout: 60_000 }, async () => {
    const { port } = new URL(app());
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), "127.0.0.1", () =>
        socket.end("GET /v1/models HTTP/1.1\r\nHost: exa mple/x\r\nAuthorization: Bearer eco_x\r\nConnection: close\r\n\r\n"),
      );
      let text = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => (text += chunk));
      socket.once("end", () => resolve(text));
      socket.once("error", reject);
    });
    expect(raw.split("\r\n")[0]).toBe("HTTP/1.1 400 Bad Request");
    expect(JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4))).toEqual({
      error: { message: "The request's Host header is not a valid host name.", type: "invalid_request_error", param: null, code: null },
    });
  });
});
