// `npm start`: the production server. Validates the environment first, so that a missing
// DATABASE_URL or AUTH_SECRET is named before anything listens, applies pending migrations and the
// seed, then serves the production build (server.ts) on PORT (3000 by default). SIGTERM (or
// Ctrl-C) drains before exiting: see server.ts's close().
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
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      // A second signal is an operator who won't wait: exit now. Nothing was sent past what is
      // recorded; the other instances settle the rest from their checkpoints once our lease ends.
      if (stopping) process.exit(1);
      stopping = true;
      console.log(`${signal}: draining (up to ${config.SHUTDOWN_GRACE_MS} ms for the requests in progress), then stopping.`);
      server.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error instanceof Error ? error.message : error);
          process.exit(1);
        },
      );
    });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
