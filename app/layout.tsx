import type { Metadata, Viewport } from "next";
import { headers } from "next/headers";
import { GeistSans } from "geist/font/sans";
import { GeistMono } from "geist/font/mono";
import { Providers } from "@/components/providers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "EcoLink — GPU inference cloud", template: "%s · EcoLink" },
  description: "OpenAI-compatible API for chat, images and speech-to-text on EcoLink's GPU cloud.",
  // The icons and the Open Graph image are files in public/, made by scripts/make-icons.ts.
  icons: {
    icon: [
      { url: "/favicon.ico", sizes: "any" },
      { url: "/icon.svg", type: "image/svg+xml" },
    ],
    apple: "/apple-touch-icon.png",
  },
  manifest: "/site.webmanifest",
};

// Rendered per request, so that each page's scripts carry that response's CSP nonce (proxy.ts):
// a page prerendered at build time has no nonce and its scripts would be blocked.
export const dynamic = "force-dynamic";

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#ffffff" },
    { media: "(prefers-color-scheme: dark)", color: "#09090b" },
  ],
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // The per-request CSP nonce (set by the proxy); next-themes' inline script must carry it.
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  return (
    // next-themes puts the theme's class on <html> before React hydrates: that difference is expected.
    <html lang="en" className={`${GeistSans.variable} ${GeistMono.variable}`} suppressHydrationWarning>
      <body className="min-h-screen bg-white font-sans text-zinc-900 antialiased">
        <Providers nonce={nonce}>{children}</Providers>
      </body>
    </html>
  );
}
