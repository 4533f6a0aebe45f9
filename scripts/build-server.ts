// `npm run build`'s second step, after `next build` (which empties the build directory first):
// the production server's bundle (scripts/lib/server-bundle.ts).
import { buildServerBundle } from "./lib/server-bundle";

buildServerBundle().then(
  (entry) => console.log(`Built the production server: ${entry}`),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
