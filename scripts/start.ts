// `npm start`: the production server. Validates the environment first, so that a missing
// DATABASE_URL or AUTH_SECRET is named before anything listens, applies pending migrations and the
// seed, then serves the production build (server.ts) on PORT (3000 by default).
import "./lib/allow-server-only";
import { env } from "../lib/env";
import { applyMigrations } from "./lib/migrations";
import { seedDatabase } from "../prisma/seed";

async function main() {
  Object.assign(process.env, { NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" });
  const config = env();
  const applied = await applyMigrations(config.DATABASE_URL);
  if (applied.length) console.log(`Applied migrations: ${applied.join(", ")}`);
  await seedDatabase(config.DATABASE_URL);
  const { startAppServer } = await import("../server");
  const server = await startAppServer({ port: Number(process.env.PORT ?? 3000) });
  console.log(`EcoLink is listening on ${server.url}`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      // Streams in progress get a while to finish; then we go regardless.
      setTimeout(() => process.exit(1), 15_000).unref();
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
