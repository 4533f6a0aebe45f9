// Sends email off the request path. A form that answers only after the SMTP conversation tells
// by its timing whether a mail went out — that is, whether an account exists — and makes the
// visitor wait on a slow mail server. So the forms queue their mail here and answer at once; this
// process delivers in the background, retries a failed delivery once after a pause, and logs what
// it couldn't send. The queue lives in memory: a mail still queued when the process dies is lost,
// and the visitor asks again (every mail here is one a visitor can ask to have re-sent).
import { sendEmail, type EmailMessage } from "./send-email";

const RETRY_AFTER_MS = 5_000;

async function deliver(message: EmailMessage): Promise<void> {
  try {
    await sendEmail(message);
    return;
  } catch (error) {
    console.warn(
      `Email "${message.subject}" could not be sent (${error instanceof Error ? error.message : String(error)}); retrying in ${RETRY_AFTER_MS / 1000} s.`,
    );
  }
  await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_MS));
  try {
    await sendEmail(message);
  } catch (error) {
    console.error(`Email "${message.subject}" to ${message.to} could not be sent after a retry:`, error);
  }
}

/** Starts delivering the message in the background and returns at once. */
export function queueEmail(message: EmailMessage): void {
  void deliver(message);
}
