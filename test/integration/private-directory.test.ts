// The README's commands must work from a clone in a private directory, as under /root (drwx------):
// when we are root PostgreSQL runs as the postgres user, which cannot enter such a directory. This
// clones the repository into a 0700 directory, gives the clone its own node_modules as real files
// (hard links: a symlink would resolve to a reachable path and prove nothing), and runs the clone's
// own embedded databases — the development cluster and the test stack's throwaway one — with a query
// on each. The private directory must still be private afterwards.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/lib/embedded-postgres";

const root = path.resolve(__dirname, "../..");
const asRoot = process.getuid?.() === 0;
// Where root's development clusters live (scripts/lib/embedded-postgres.ts SHARED_STATE_DIR), spelled
// out so that this file runs against the code of before it, too.
const SHARED_STATE_DIR = "/var/lib/ecolink";

// Runs inside the clone, with the clone's own code and node_modules.
const CHECK_SCRIPT = `
import pg from "pg";
import { startDevDatabase } from "./scripts/lib/dev-database";
import { PostgresSetupError, startThrowawayPostgres } from "./scripts/lib/embedded-postgres";

async function ask(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query("SELECT current_user AS role, current_setting('data_directory') AS dir, 6 * 7 AS answer");
  await client.end();
  return rows[0];
}

async function main() {
  const dev = await startDevDatabase();
  const devAnswer = await ask(dev.url);
  await dev.server?.stop();
  const throwaway = await startThrowawayPostgres({ quiet: true });
  const throwawayAnswer = await ask(throwaway.url("postgres"));
  await throwaway.stop();
  // A TMPDIR the postgres user cannot enter is a one-line error that says what to do.
  let unreachable = "";
  process.env.TMPDIR = process.env.PRIVATE_TMPDIR;
  await startThrowawayPostgres({ quiet: true }).then(
    (server) => server.stop(),
    (error: unknown) => (unreachable = error instanceof PostgresSetupError ? error.message : "not a setup error: " + String(error)),
  );
  console.log(JSON.stringify({ dev: devAnswer, devDir: dev.dataDir, throwaway: throwawayAnswer, unreachable }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
`;

describe("a clone in a private (0700) directory", () => {
  let privateDir = "";
  let clone = "";
  let devDir = "";

  beforeAll(async () => {
    // Hard links need the same file system as the repository; the temporary directory usually is.
    const sameDevice = (await stat(os.tmpdir())).dev === (await stat(root)).dev;
    const base = sameDevice ? os.tmpdir() : path.join(root, ".data");
    await mkdir(base, { recursive: true });
    privateDir = await mkdtemp(path.join(base, "ecolink-private-"));
    expect((await stat(privateDir)).mode & 0o777).toBe(0o700);
    clone = path.join(privateDir, "ecolink");
    execFileSync("git", ["clone", "--quiet", root, clone]);
    execFileSync("cp", ["-al", path.join(root, "node_modules"), path.join(clone, "node_modules")]);
    await writeFile(path.join(clone, "private-check.ts"), CHECK_SCRIPT);
  }, 300_000);

  afterAll(async () => {
    // The clone's own directory beside the development cluster.
    if (devDir.startsWith(`${SHARED_STATE_DIR}/`)) await rm(path.dirname(devDir), { recursive: true, force: true });
    if (privateDir) await rm(privateDir, { recursive: true, force: true });
  });

  it("starts the clone's development and test databases and answers queries", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, EMBEDDED_POSTGRES_PORT: String(await freePort()), PRIVATE_TMPDIR: privateDir };
    delete env.DATABASE_URL;
    const run = spawnSync(process.execPath, [path.join(clone, "node_modules/tsx/dist/cli.mjs"), "private-check.ts"], {
      cwd: clone,
      env,
      encoding: "utf8",
      timeout: 180_000,
    });
    expect(run.stderr + run.stdout).not.toMatch(/EACCES|at .*\.(ts|js):\d+/);
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "") as {
      dev: { role: string; dir: string; answer: number };
      devDir: string;
      throwaway: { role: string; dir: string; answer: number };
      unreachable: string;
    };
    devDir = result.devDir;
    expect(result.dev.answer).toBe(42);
    expect(result.throwaway.answer).toBe(42);
    expect(result.dev.dir).toBe(result.devDir);
    expect(result.throwaway.dir.startsWith(os.tmpdir())).toBe(true);
    if (asRoot) {
      // The dev cluster lives outside the private directory, in a directory of the clone's own.
      expect(result.devDir).toMatch(new RegExp(`^${SHARED_STATE_DIR}/[0-9a-f]{16}/postgres$`));
      expect(result.unreachable).toMatch(new RegExp(`^PostgreSQL runs as the postgres user, which cannot enter ${privateDir}: .*DATABASE_URL\\.$`));
    } else {
      expect(result.devDir).toBe(path.join(clone, ".data/postgres"));
    }
    expect((await stat(privateDir)).mode & 0o777).toBe(0o700);
  }, 300_000);
});
