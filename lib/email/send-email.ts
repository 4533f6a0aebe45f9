// Sends transactional email (verification and password-reset links) over SMTP with Nodemailer.
// SMTP_URL configures the transport (e.g. smtp://user:pass@smtp.example.com:587, smtps://… for
// implicit TLS). In development without SMTP_URL the message is printed to the server log
// instead, so the links can be followed locally; production without SMTP_URL refuses to pretend.
import "server-only";
import nodemailer, { type Transporter } from "nodemailer";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";

export interface EmailMessage {
  to: string;
  subject: string;
  /** Plain-text body; links stand on lines of their own so mail clients (and tests) find them. */
  text: string;
  html: string;
}

let transport: Transporter | undefined;

function smtpTransport(url: string): Transporter {
  transport ??= nodemailer.createTransport(url);
  return transport;
}

export async function sendEmail(message: EmailMessage): Promise<void> {
  const { SMTP_URL, EMAIL_FROM, NODE_ENV } = env();
  if (SMTP_URL) {
    try {
      await smtpTransport(SMTP_URL).sendMail({ from: EMAIL_FROM, to: message.to, subject: message.subject, text: message.text, html: message.html });
    } catch (error) {
      // The details (host, SMTP reply) are for the operator's log, not for the person at the form.
      console.error("Email delivery over SMTP failed:", error);
      throw new DomainError("upstream_unavailable", "We couldn't send the email just now. Please try again in a few minutes.");
    }
    return;
  }
  if (NODE_ENV === "production") {
    throw new DomainError("not_configured", "Email is not configured on this deployment (set SMTP_URL).");
  }
  console.info(`\n[email] SMTP_URL is not set; this email was not sent:\nTo: ${message.to}\nSubject: ${message.subject}\n\n${message.text}\n`);
}
