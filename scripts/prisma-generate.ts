// `prisma generate` offline: Prisma 7's CLI insists on a schema engine binary even though generating
// the client doesn't need one, so point it at the WASM engine that ships inside the package.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { projectRoot as root } from "./lib/project-root";

execFileSync(process.execPath, [path.join(root, "node_modules/prisma/build/index.js"), "generate"], {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: path.join(root, "node_modules/prisma/build/schema_engine_bg.wasm"),
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  },
});
