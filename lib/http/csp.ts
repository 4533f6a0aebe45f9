// The browser-side security policy of every page: a nonce-based Content-Security-Policy (made per
// request in proxy.ts; Next.js reads the nonce from the request's Content-Security-Policy header and
// puts it on its own scripts) and the headers that forbid framing, sniffing and referrer leaks.
// Pages are rendered per request (the root layout reads the request headers), or a prerendered page
// would carry no nonce and its scripts would be blocked.

/** Request header carrying this request's nonce, for code that renders its own inline script (e.g. a theme script). */
export const NONCE_HEADER = "x-nonce";

/** 128 random bits, base64: a new one for every response. */
export function createNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

export function contentSecurityPolicy(nonce: string, options: { development: boolean }): string {
  return [
    "default-src 'self'",
    // 'strict-dynamic': scripts the nonced framework scripts load are trusted, nothing else is.
    // `next dev` evaluates code for its error overlay and fast refresh, so only there 'unsafe-eval'.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.development ? " 'unsafe-eval'" : ""}`,
    // Inline style attributes are set by React (style={…}), the usage charts (recharts) and the
    // syntax highlighter; a nonce cannot cover attributes, so inline styles are allowed. A style
    // can't run script, and the rest of this policy still holds.
    "style-src 'self' 'unsafe-inline'",
    // blob: the playground's generated images and recorded or chosen audio; data: small inline images.
    "img-src 'self' blob: data:",
    "media-src 'self' blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    // Forms post to us; a top-up without JavaScript follows the redirect to Stripe's checkout.
    "form-action 'self' https://checkout.stripe.com",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Headers for every response of the console (pages, assets, its API routes). */
export function securityHeaders(options: { production: boolean }): Array<{ key: string; value: string }> {
  return [
    { key: "X-Frame-Options", value: "DENY" },
    { key: "X-Content-Type-Options", value: "nosniff" },
    { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
    // The playground records audio from the microphone; nothing else is used, by us or by a frame.
    { key: "Permissions-Policy", value: "microphone=(self), camera=(), geolocation=(), payment=(), usb=()" },
    // Production is served over HTTPS; a development server on http://localhost must not pin it.
    ...(options.production ? [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" }] : []),
  ];
}

/** Pages that show a secret once (a new API key; reset and verification tokens in the URL): never stored by a cache. */
export const NO_STORE_PATHS = ["/api-keys", "/reset-password", "/verify-email"];
