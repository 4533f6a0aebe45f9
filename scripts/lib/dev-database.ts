// The development database: DATABASE_URL when set, otherwise the embedded PostgreSQL, whose data
// survives restarts. When PostgreSQL runs as us it lives in .data/postgres. When we are root it runs
// as the postgres user, which may not reach the project (a clone under /root, say), so the cluster
// lives outside it, in SHARED_STATE_DIR/<hash of the project's path>/postgres.
import { createHash } from "node:crypto";
import { existsSync, realpathSync } from "node:fs";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { isRoot, SHARED_STATE_DIR, startEmbeddedPostgres, type RunningPostgres } from "./embedded-postgres";
import { projectRoot as root } from "./project-root";

export const DEV_DATABASE_NAME = "ecolink";
export const DEV_POSTGRES_PORT = Number(process.env.EMBEDDED_POSTGRES_PORT ?? 54329);

/** The directory of this project's own files under SHARED_STATE_DIR (used when we are root). */
export function sharedProjectDir(projectRoot = root): string {
  const id = createHash("sha256").update(realpathSync(projectRoot)).digest("hex").slice(0, 16);
  return path.join(SHARED_STATE_DIR, id);
}

/** Where the embedded development cluster lives (its parent is created if missing). */
export async function devDataDir(): Promise<string> {
  const inProject = path.join(root, ".data/postgres");
  // A cluster an earlier version made in the project is kept: it could only be made where reachable.
  if (!isRoot() || existsSync(path.join(inProject, "PG_VERSION"))) {
    await mkdir(path.dirname(inProject), { recursive: true });
    return inProject;
  }
  const shared = sharedProjectDir();
  await mkdir(shared, { recursive: true });
  await chmod(shared, 0o755);
  // Says which checkout the directory belongs to, for whoever finds it.
  await writeFile(path.join(shared, "project"), `${realpathSync(root)}\n`);
  return path.join(shared, "postgres");
}

export async function startDevDatabase(): Promise<{ url: string; server: RunningPostgres | null; dataDir: string | null }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, server: null, dataDir: null };
  const dataDir = await devDataDir();
  const server = await startEmbeddedPostgres({ dataDir, port: DEV_POSTGRES_PORT, persistent: true });
  await server.createDatabase(DEV_DATABASE_NAME);
  return { url: server.url(DEV_DATABASE_NAME), server, dataDir };
}

export async function withDevDatabase<T>(run: (url: string) => Promise<T>): Promise<T> {
  const { url, server } = await startDevDatabase();
  try {
    return await run(url);
  } finally {
    await server?.stop();
  }
}
