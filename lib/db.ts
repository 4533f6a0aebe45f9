// The database of the process: one PostgreSQL pool, created on first use (so that `next build` and
// modules that merely import this need no database) and kept across hot reloads in development.
// Prisma runs on it for everything, except the few statements every API request runs (key lookup,
// reserve, settle): those are named prepared statements on the same pool, parsed and planned once
// per connection rather than on every request.
import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { env } from "@/lib/env";

const globalForDb = globalThis as unknown as { pgPool?: pg.Pool; prisma?: PrismaClient };

function pool(): pg.Pool {
  if (globalForDb.pgPool) return globalForDb.pgPool;
  globalForDb.pgPool = new pg.Pool({
    connectionString: env().DATABASE_URL,
    max: 20,
    // Connections are kept once opened: by default an idle one closes after 10 s, and the next
    // burst of API requests then waited for new ones — a new server process, its catalog caches
    // and the prepared statements again, far slower than a request (`npm run bench`). They don't
    // keep a process from exiting.
    idleTimeoutMillis: 0,
    allowExitOnIdle: true,
    // Kept for good, a connection must not be dropped unseen by a firewall or NAT that forgets idle
    // flows: TCP keepalives keep it alive, and find it dead when the other end is gone.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    // Timestamps are stored without a zone, in UTC (Prisma's convention), so now() must be UTC too
    // whatever the server's TimeZone setting is. A statement given up (PREPARED_STATEMENT_TIMEOUT_MS)
    // has its connection closed; the server checks every second whether the client is still there,
    // and ends a statement whose client is gone rather than run it to its end (PostgreSQL 14+).
    options: "-c TimeZone=UTC -c client_connection_check_interval=1000",
  });
  // An idle connection dropped by the server (a restart, a failover) is replaced on next use; an
  // 'error' event without a listener would end the process instead.
  globalForDb.pgPool.on("error", (error) => console.error(`A database connection was lost: ${error.message}`));
  return globalForDb.pgPool;
}

function client(): PrismaClient {
  globalForDb.prisma ??= new PrismaClient({ adapter: new PrismaPg(pool()) });
  return globalForDb.prisma;
}

export const db: PrismaClient = new Proxy({} as PrismaClient, {
  get(_target, property) {
    const real = client();
    const value: unknown = Reflect.get(real, property);
    return typeof value === "function" ? value.bind(real) : value;
  },
});

/** The pool's connections, for /metrics: open, idle, and queries waiting for one. */
export function dbPoolUsage(): { total: number; idle: number; waiting: number } {
  const current = globalForDb.pgPool;
  return current ? { total: current.totalCount, idle: current.idleCount, waiting: current.waitingCount } : { total: 0, idle: 0, waiting: 0 };
}

/** A statement the hot path runs on every request. Its `name` must be unique in the process. */
export interface PreparedStatement {
  name: string;
  text: string;
}

/**
 * How long a hot-path statement may go unanswered before it is given up: its connection is closed
 * (which ends it at the server) and its caller gets the error a database outage gives (settlements
 * and checkpoints retry it: until-written.ts). These statements answer in milliseconds; one that
 * doesn't answer at all (a connection a network dropped silently) would otherwise hold its
 * account's write slot (lib/credits/account-write-slots.ts) until the operating system gave up on
 * the connection.
 */
const PREPARED_STATEMENT_TIMEOUT_MS = 30_000;

/**
 * Runs a prepared statement with positional parameters ($1, $2, …). Values arrive as `pg` returns
 * them: bigint columns as decimal strings, timestamptz as Date.
 */
export async function runPrepared<Row extends object>(
  statement: PreparedStatement,
  values: readonly unknown[],
  timeoutMs = PREPARED_STATEMENT_TIMEOUT_MS,
): Promise<Row[]> {
  // pg reads query_timeout from each query's config too; its types only name it on the client's.
  const query: pg.QueryConfig & { query_timeout: number } = {
    name: statement.name,
    text: statement.text,
    values: values as unknown[],
    query_timeout: timeoutMs,
  };
  const result = await pool().query<Row>(query);
  return result.rows;
}
