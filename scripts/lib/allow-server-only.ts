// Lets a process outside Next.js load the modules marked `import "server-only"` (lib/db, lib/env,
// lib/credits …). The marker package throws unless it is resolved under React's "react-server"
// export condition, which Next.js's server bundles use and its browser bundles don't: that is what
// makes `next build` fail when a client component reaches one of them. Outside Next.js nothing is
// bundled for a browser — server.ts under tsx (`npm start`), the scripts, Playwright's test
// processes — so this registers the package as the empty module it is on Next.js's server, through
// Node's module cache (documented as writable). Import it before anything from lib/. Vitest gets the
// same through resolve.alias in vitest.config.ts. Not `node --conditions=react-server`: that would
// also switch react and react-dom to their server builds, and the Next.js child inherits the flag.
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(__filename);
const marker = require.resolve("server-only");
const empty = path.join(path.dirname(marker), "empty.js");
require(empty);
require.cache[marker] = require.cache[empty];
