// The development database: DATABASE_URL when set, otherwise the embedded PostgreSQL whose data
// lives in .data/postgres and survives restarts.
import path from "node:path";
import { startEmbeddedPostgres, type RunningPostgres } from "./embedded-postgres";

const root = path.resolve(__dirname, "../..");
export const DEV_DATABASE_NAME = "ecolink";
export const DEV_POSTGRES_PORT = Number(process.env.EMBEDDED_POSTGRES_PORT ?? 54329);

export async function startDevDatabase(): Promise<{ url: string; server: RunningPostgres | null }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, server: null };
  const server = await startEmbeddedPostgres({ dataDir: path.join(root, ".data/postgres"), port: DEV_POSTGRES_PORT, persistent: true });
  await server.createDatabase(DEV_DATABASE_NAME);
  return { url: server.url(DEV_DATABASE_NAME), server };
}

export async function withDevDatabase<T>(run: (url: string) => Promise<T>): Promise<T> {
  const { url, server } = await startDevDatabase();
  try {
    return await run(url);
  } finally {
    await server?.stop();
  }
}
