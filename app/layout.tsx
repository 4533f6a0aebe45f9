import type { Metadata, Viewport } from "next";
import { GeistSans } from "geist/font/sans";
import { GeistMono } from "geist/font/mono";
import { Providers } from "@/components/providers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "EcoLink — GPU inference cloud", template: "%s · EcoLink" },
  description: "OpenAI-compatible API for chat, images and speech-to-text on EcoLink's GPU cloud.",
};

// Rendered per request, so that each page's scripts carry that response's CSP nonce (proxy.ts):
// a page prerendered at build time has no nonce and its scripts would be blocked.
export const dynamic = "force-dynamic";

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#ffffff" };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en" className={`${GeistSans.variable} ${GeistMono.variable}`}>
      <body className="min-h-screen bg-white font-sans text-zinc-900 antialiased">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
