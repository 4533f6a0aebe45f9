// The repository's root directory, found from where this code runs: the TypeScript sources, or the
// production server's bundle inside the Next.js build directory (scripts/lib/server-bundle.ts), where
// every bundled module shares the bundle's __dirname. Found by the package's own package.json, not
// the first one up the tree: Next.js writes one into its build directory.
import { readFileSync } from "node:fs";
import path from "node:path";

const PACKAGE_NAME = "ecolink-console";

function isProjectRoot(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: unknown }).name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

/** The nearest directory from `from` up whose package.json is this package's. */
export function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (isProjectRoot(dir)) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No ${PACKAGE_NAME} package.json above ${from}`);
  }
}

export const projectRoot = findProjectRoot(__dirname);
