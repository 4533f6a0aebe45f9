// A loopback SMTP server that stores every message it receives as JSON in a directory, so that
// tests in other processes (Vitest workers, Playwright) can read the emails the app sent.
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { SMTPServer } from "smtp-server";
import { simpleParser } from "mailparser";

export interface StoredMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  receivedAt: string;
}

export async function startMailSink(dir: string, port: number): Promise<{ close(): Promise<void> }> {
  await mkdir(dir, { recursive: true });
  let counter = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then(async (parsed) => {
          const toField = Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : [];
          const mail: StoredMail = {
            to: toField.flatMap((t) => t.value.map((v) => (v.address ?? "").toLowerCase())),
            from: parsed.from?.text ?? "",
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
            receivedAt: new Date().toISOString(),
          };
          counter += 1;
          // Written aside and renamed into place: a reader polling the directory never sees half a message.
          const name = `${Date.now()}-${process.pid}-${counter}.json`;
          const partial = path.join(dir, `.${name}.partial`);
          await writeFile(partial, JSON.stringify(mail));
          await rename(partial, path.join(dir, name));
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Waits for the newest message to `to` whose subject matches, received after `since`. */
export async function waitForMail(dir: string, to: string, options: { subject?: RegExp; since?: Date; timeoutMs?: number } = {}): Promise<StoredMail> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  const address = to.toLowerCase();
  for (;;) {
    const names = (await readdir(dir).catch(() => [] as string[]))
      .filter((name) => name.endsWith(".json"))
      .sort()
      .reverse();
    for (const name of names) {
      const mail = JSON.parse(await readFile(path.join(dir, name), "utf8")) as StoredMail;
      if (!mail.to.includes(address)) continue;
      if (options.subject && !options.subject.test(mail.subject)) continue;
      if (options.since && new Date(mail.receivedAt) < options.since) continue;
      return mail;
    }
    if (Date.now() > deadline) throw new Error(`No email to ${to} arrived within the timeout`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function firstLink(mail: StoredMail): string {
  const match = /https?:\/\/[^\s"'<>]+/.exec(mail.text);
  if (!match) throw new Error(`No link in email "${mail.subject}"`);
  return match[0];
}
