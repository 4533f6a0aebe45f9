// What a failed database call says about the database, read from the error alone: pg's errors
// (the hot path's prepared statements, lib/db.ts) and Prisma's, whose driver adapter names the
// same failures its own way.
import { errorCodeIn } from "@/lib/error-codes";

/** The SQLSTATE of an error PostgreSQL itself sent (pg's DatabaseError carries one with a severity); null otherwise. */
function sqlStateOf(error: Error): string | null {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && "severity" in error ? code : null;
}

/** SQLSTATE classes that describe the connection or the server's state, not the statement. */
const TRANSIENT_SQLSTATE_CLASSES = new Set([
  "08", // connection exception
  "40", // serialization failure, deadlock
  "53", // insufficient resources (too many connections, disk full)
  "57", // operator intervention (admin shutdown, crash recovery, cannot connect now)
]);

/**
 * An error from the connection (refused, reset, ended) or a SQLSTATE that can clear by itself: a
 * write that failed with it may succeed if tried again. Anything that failed without a SQLSTATE
 * failed on the way to the server (ECONNREFUSED, "Connection terminated", a pool timeout).
 */
export function isTransientDatabaseError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const state = sqlStateOf(error);
  return state === null || TRANSIENT_SQLSTATE_CLASSES.has(state.slice(0, 2));
}

// The database can't be asked anything right now, whatever the statement: no connection could be
// made or kept, or the server is shutting down, starting or full.
const UNREACHABLE_SQLSTATE = /^(08|57P0[123]|53300)/;
const UNREACHABLE_SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
// pg's own words for a connection that ended or could not be made in time, and for a statement
// given up unanswered (lib/db.ts).
const UNREACHABLE_CLIENT_MESSAGE = /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout)/;
const UNREACHABLE_ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);

interface AdapterCause {
  kind?: unknown;
  code?: unknown;
}

/**
 * Whether the error says the database is unreachable, rather than that it refused a statement.
 * Only for errors of database calls: any other call's socket error would pass for one.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const state = sqlStateOf(error);
  if (state !== null) return UNREACHABLE_SQLSTATE.test(state);
  const adapter = (error as { meta?: { driverAdapterError?: { cause?: AdapterCause } } }).meta?.driverAdapterError?.cause;
  if (adapter) {
    if (adapter.kind === "postgres") return typeof adapter.code === "string" && UNREACHABLE_SQLSTATE.test(adapter.code);
    return UNREACHABLE_ADAPTER_KINDS.has(String(adapter.kind));
  }
  return errorCodeIn(error, UNREACHABLE_SOCKET_CODES) !== null || UNREACHABLE_CLIENT_MESSAGE.test(error.message);
}
