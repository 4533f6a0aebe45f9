// The emails EcoLink sends, as plain text (the link on a line of its own) and simple HTML.

import type { EmailMessage } from "./send-email";

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function linkEmail(to: string, subject: string, intro: string, linkText: string, link: string, outro: string): EmailMessage {
  const text = `${intro}\n\n${link}\n\n${outro}\n\n— EcoLink\n`;
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#18181b;line-height:1.5">
<p>${escapeHtml(intro)}</p>
<p><a href="${escapeHtml(link)}"
  style="display:inline-block;background:#059669;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">${escapeHtml(linkText)}</a></p>
<p style="color:#52525b;font-size:14px">Or paste this link into your browser:<br>${escapeHtml(link)}</p>
<p style="color:#52525b;font-size:14px">${escapeHtml(outro)}</p>
<p>— EcoLink</p>
</body></html>`;
  return { to, subject, text, html };
}

export function verificationEmail(to: string, link: string, credit: string): EmailMessage {
  return linkEmail(
    to,
    "Verify your email for EcoLink",
    `Welcome to EcoLink! Confirm your email address to activate your ${credit} of free credit:`,
    "Verify email",
    link,
    "The link works once and expires in 24 hours. If you didn't create an EcoLink account, ignore this email.",
  );
}

export function passwordResetEmail(to: string, link: string): EmailMessage {
  return linkEmail(
    to,
    "Reset your EcoLink password",
    "Someone (hopefully you) asked to reset the password of your EcoLink account. Choose a new one here:",
    "Reset password",
    link,
    "The link works once and expires in 1 hour. If you didn't ask for this, ignore this email: your password stays the same.",
  );
}

export function signUpAttemptEmail(to: string, signInLink: string, resetLink: string): EmailMessage {
  const text =
    "Someone (hopefully you) tried to create an EcoLink account with this email address, which already has one.\n\n" +
    `Sign in here:\n\n${signInLink}\n\nForgot your password? Choose a new one here:\n\n${resetLink}\n\n` +
    "If it wasn't you, ignore this email: nothing changed on your account.\n\n— EcoLink\n";
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#18181b;line-height:1.5">
<p>Someone (hopefully you) tried to create an EcoLink account with this email address, which already has one.</p>
<p><a href="${escapeHtml(signInLink)}">Sign in</a> · <a href="${escapeHtml(resetLink)}">Forgot your password?</a></p>
<p style="color:#52525b;font-size:14px">If it wasn't you, ignore this email: nothing changed on your account.</p>
<p>— EcoLink</p>
</body></html>`;
  return { to, subject: "You already have an EcoLink account", text, html };
}
