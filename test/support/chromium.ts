// Debian's Chromium, headless, with everything that would reach for the network switched off
// (this machine has none, and Chromium otherwise retries its background connections forever).
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
