// `npm run dev`: everything on a fresh machine with embedded defaults. Starts PostgreSQL (embedded,
// unless DATABASE_URL is set), applies migrations, loads the seed, and runs `next dev`.
import { spawn } from "node:child_process";
import path from "node:path";
import { startDevDatabase } from "./lib/dev-database";
import { applyMigrations } from "./lib/migrations";
import { localSecrets } from "./lib/local-secrets";
import { ensureDebianPackages } from "./lib/system-packages";
import { LOCAL_MODEL_PACKAGES } from "./lib/required-packages";
import { seedDatabase } from "../prisma/seed";
import { projectRoot as root } from "./lib/project-root";

async function main() {
  ensureDebianPackages(LOCAL_MODEL_PACKAGES, "The local speech-to-text model");
  const port = Number(process.env.PORT ?? 3000);
  const { url, server, dataDir } = await startDevDatabase();
  const applied = await applyMigrations(url);
  if (applied.length) console.log(`Applied migrations: ${applied.join(", ")}`);
  await seedDatabase(url);

  const env = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: url,
    AUTH_SECRET: process.env.AUTH_SECRET ?? localSecrets().AUTH_SECRET,
    AUTH_URL: process.env.AUTH_URL ?? `http://localhost:${port}`,
    AUTH_TRUST_HOST: "true",
    PORT: String(port),
  };
  console.log(`\nEcoLink is starting on http://localhost:${port}  (database: ${dataDir ? `embedded PostgreSQL in ${dataDir}` : "DATABASE_URL"})\n`);
  const next = spawn(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "dev", "--port", String(port)], {
    cwd: root,
    env,
    stdio: "inherit",
  });
  const shutdown = async () => {
    next.kill("SIGTERM");
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  next.on("exit", async (code) => {
    await server?.stop();
    process.exit(code ?? 0);
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
