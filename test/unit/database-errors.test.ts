// Telling an unreachable database from a statement it refused, on the errors pg and Prisma really
// throw: a connection to a port nobody listens on, and PostgreSQL's errors as pg builds them.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isDatabaseUnreachable, isTransientDatabaseError } from "@/lib/database-errors";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { toOpenAIError } from "@/lib/inference/openai-errors";
import { freePort } from "../../scripts/lib/embedded-postgres";

afterEach(() => vi.restoreAllMocks());

async function closedDatabaseUrl(): Promise<string> {
  return `postgresql://postgres:secret@127.0.0.1:${await freePort()}/nothing`;
}

/** A PostgreSQL error as pg builds it from the server's ErrorResponse. */
function serverError(code: string, message: string): pg.DatabaseError {
  return Object.assign(new pg.DatabaseError(message, 0, "error"), { code, severity: "ERROR" });
}

describe("database errors", () => {
  it("knows pg's refused connection as an unreachable database, answered 503 with Retry-After and without its details", async () => {
    const client = new pg.Client({ connectionString: await closedDatabaseUrl() });
    const error = await client.connect().then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(isDatabaseUnreachable(error)).toBe(true);
    expect(isTransientDatabaseError(error)).toBe(true);

    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const mapped = toOpenAIError(error);
    expect(mapped.status).toBe(503);
    expect(mapped.headers).toEqual({ "retry-after": "2" });
    expect(mapped.body.error).toMatchObject({ type: "server_error", code: "service_unavailable" });
    expect(mapped.body.error.message).toContain("nothing was charged");
    expect(JSON.stringify(mapped.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    // An outage refuses every request: it is logged once, not once per request.
    toOpenAIError(error);
    toOpenAIError(error);
    expect(log).toHaveBeenCalledOnce();
  });

  it("knows Prisma's unreachable database, from its driver adapter's error", async () => {
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: await closedDatabaseUrl() }) });
    try {
      const error = await prisma.$queryRaw`SELECT 1`.then(
        () => null,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(Error);
      expect(isDatabaseUnreachable(error)).toBe(true);
    } finally {
      await prisma.$disconnect();
    }
  });

  it("tells a server going away from a statement refused for what it is", () => {
    const shutdown = serverError("57P01", "terminating connection due to administrator command");
    expect(isDatabaseUnreachable(shutdown)).toBe(true);
    expect(isTransientDatabaseError(shutdown)).toBe(true);

    const deadlock = serverError("40P01", "deadlock detected");
    expect(isDatabaseUnreachable(deadlock)).toBe(false);
    expect(isTransientDatabaseError(deadlock)).toBe(true);

    const duplicate = serverError("23505", 'duplicate key value violates unique constraint "LedgerEntry_reference_key"');
    expect(isDatabaseUnreachable(duplicate)).toBe(false);
    expect(isTransientDatabaseError(duplicate)).toBe(false);
    vi.spyOn(console, "error").mockImplementation(() => {});
    expect(toOpenAIError(duplicate).status).toBe(500);
  });

  it("leaves errors that are not the database's alone", () => {
    expect(isDatabaseUnreachable(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    expect(isDatabaseUnreachable("ECONNREFUSED")).toBe(false);
  });
});
