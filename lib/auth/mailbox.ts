// The mailbox an address delivers to, for granting the free sign-up credit once per person rather
// than once per spelling: "Ada.Lovelace+test1@gmail.com" and "adalovelace@googlemail.com" reach
// the same inbox. Lower-cased, without a +tag (which nearly every provider ignores), and for Gmail
// without dots (which Gmail ignores) and with its two domain names made one.
const GMAIL_DOMAINS = new Set(["gmail.com", "googlemail.com"]);

export function normalizedMailbox(email: string): string {
  const at = email.lastIndexOf("@");
  let local = email.slice(0, at).toLowerCase();
  let domain = email.slice(at + 1).toLowerCase();
  const plus = local.indexOf("+");
  if (plus > 0) local = local.slice(0, plus);
  if (GMAIL_DOMAINS.has(domain)) {
    local = local.replaceAll(".", "");
    domain = "gmail.com";
  }
  return `${local}@${domain}`;
}
