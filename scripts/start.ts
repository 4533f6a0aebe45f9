// `npm start`: the production server. Validates the environment first, so that a missing
// DATABASE_URL or AUTH_SECRET is named before anything listens, then applies pending migrations.
import { spawn } from "node:child_process";
import path from "node:path";
import { env } from "../lib/env";
import { applyMigrations } from "./lib/migrations";
import { seedDatabase } from "../prisma/seed";

const root = path.resolve(__dirname, "..");

async function main() {
  const config = env();
  const applied = await applyMigrations(config.DATABASE_URL);
  if (applied.length) console.log(`Applied migrations: ${applied.join(", ")}`);
  await seedDatabase(config.DATABASE_URL);
  const port = process.env.PORT ?? "3000";
  const next = spawn(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "start", "--port", port], {
    cwd: root,
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
    stdio: "inherit",
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => next.kill(signal));
  next.on("exit", (code) => process.exit(code ?? 0));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
