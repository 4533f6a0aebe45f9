// `import "server-only"` is the wall between the server's modules and the browser: a client
// component that reaches lib/db must fail `next build`, and fail on the marker in lib/db.ts (pg's
// Node built-ins don't resolve in a browser either, so "the build failed" alone would prove
// nothing). Builds the two-component app in test/fixtures/client-reaches-db for real, which takes
// a while; the app's own production build is the other half: every marked module builds there.
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { promisify, stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");
const fixture = path.join(root, "test/fixtures/client-reaches-db");
const DIST_DIR = ".next-boundary-check";

describe("the server-only boundary", () => {
  it("fails next build when a client component imports lib/db, naming lib/db.ts's server-only import", async () => {
    const build = promisify(execFile)(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], {
      cwd: fixture,
      env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", NEXT_DIST_DIR: DIST_DIR },
      maxBuffer: 16 * 1024 * 1024,
    });
    const result = await build.then(
      ({ stdout, stderr }) => ({ failed: false, output: stdout + stderr }),
      (error: { stdout?: string; stderr?: string }) => ({ failed: true, output: `${error.stdout ?? ""}${error.stderr ?? ""}` }),
    );
    rmSync(path.join(fixture, DIST_DIR), { recursive: true, force: true });
    const output = stripVTControlCharacters(result.output);
    expect(result.failed, output).toBe(true);
    expect(output).toMatch(/\.\/lib\/db\.ts:\d+:\d+\nError: 'server-only' cannot be imported from a Client Component module/);
  }, 600_000);
});
