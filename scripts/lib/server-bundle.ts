// The production server as plain JavaScript: `npm run build` (after `next build`) bundles
// scripts/start.ts and next-server.ts, with everything of ours they import, into the Next.js build
// directory; `npm start`, the tests and the benchmarks run that bundle with node. Packages stay in
// node_modules, loaded as they are. Run through tsx instead, every function expression of ours
// would be wrapped by esbuild's keepNames helper, which redefines the function's name on each
// creation: the closures a request makes each carried a property dictionary of their own, kept as
// long as its stream is open (the memory per open stream of `npm run bench`), and tsx's loader sat
// in the API's process. Source maps keep stack traces pointing at the TypeScript.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { projectRoot } from "./project-root";

/** Where the bundle of the build in `distDir` (Next.js's distDir, from the project's root) is. */
export function serverBundleDir(distDir = process.env.NEXT_DIST_DIR || ".next"): string {
  return path.resolve(projectRoot, distDir, "ecolink");
}

/**
 * Bundles the server into `distDir`'s bundle directory; returns its entry point. Each file is
 * written whole under another name and then renamed, so that a server started meanwhile reads the
 * previous build or this one, never half of one.
 */
export async function buildServerBundle(distDir?: string): Promise<string> {
  const outdir = serverBundleDir(distDir);
  const result = await build({
    absWorkingDir: projectRoot,
    entryPoints: { start: "scripts/start.ts", "next-server": "next-server.ts" },
    outdir,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: `node${process.versions.node}`,
    packages: "external",
    sourcemap: "linked",
    logLevel: "warning",
    write: false,
  });
  mkdirSync(outdir, { recursive: true });
  for (const file of result.outputFiles) {
    const partial = `${file.path}.${process.pid}.partial`;
    writeFileSync(partial, file.contents);
    renameSync(partial, file.path);
  }
  return path.join(outdir, "start.js");
}
