// `npm run db:migrate` applies pending migrations; `npm run db:migrate:create NAME` writes a new one
// from the difference between prisma/migrations and schema.prisma. Without DATABASE_URL both use
// the embedded development database.
import { applyMigrations, createMigration } from "./lib/migrations";
import { withDevDatabase } from "./lib/dev-database";

async function main() {
  const [command, name] = process.argv.slice(2);
  await withDevDatabase(async (databaseUrl) => {
    if (command === "create") {
      if (!name) throw new Error("Usage: npm run db:migrate:create NAME");
      const dir = await createMigration(databaseUrl, name);
      console.log(dir ? `Created ${dir}` : "schema.prisma and the migrations agree: nothing to create.");
    } else {
      const applied = await applyMigrations(databaseUrl);
      console.log(applied.length ? `Applied: ${applied.join(", ")}` : "Database is up to date.");
    }
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
