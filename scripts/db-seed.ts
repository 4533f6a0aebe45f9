// `npm run db:seed`: loads the seed (the model registry) into DATABASE_URL or the embedded dev database.
import { withDevDatabase } from "./lib/dev-database";
import { seedDatabase } from "../prisma/seed";

withDevDatabase(seedDatabase).then(
  () => console.log("Seed loaded."),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
