// A hot-path statement that never answers — here one waiting on a row lock that is never released,
// as a connection a network dropped would never answer — is given up after its timeout: the caller
// gets an error its retries treat as an unreachable database, its connection is closed (which ends
// the statement at the server), and the pool serves the next statement on a fresh connection.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { recordCreditMovement } from "@/lib/credits/ledger";
import { runPrepared } from "@/lib/db";
import { isDatabaseUnreachable, isTransientDatabaseError } from "@/lib/database-errors";
import { createUser } from "../support/factories";
import { eventually } from "../support/v1-fixtures";

const TOUCH_ACCOUNT = {
  name: "test_touch_account",
  text: `UPDATE "CreditAccount" SET "updatedAt" = now() WHERE "userId" = $1 RETURNING "userId"`,
};

describe("a hot-path statement that never answers", () => {
  it("is given up after its timeout, ended at the server, and the next one runs", async () => {
    const user = await createUser();
    await recordCreditMovement({ userId: user.id, kind: "ADJUSTMENT", amount: 1_000n, reference: `seed:${user.id}`, description: "Opening balance" });
    const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query(`SELECT 1 FROM "CreditAccount" WHERE "userId" = $1 FOR UPDATE`, [user.id]);

      const startedAt = performance.now();
      const error = await runPrepared(TOUCH_ACCOUNT, [user.id], 300).then(
        () => null,
        (failure: unknown) => failure,
      );
      const waitedMs = performance.now() - startedAt;
      expect(error).toBeInstanceOf(Error);
      expect(isTransientDatabaseError(error)).toBe(true);
      // A /v1 request it belonged to is answered 503, to be retried.
      expect(isDatabaseUnreachable(error)).toBe(true);
      expect(waitedMs).toBeGreaterThanOrEqual(290);
      expect(waitedMs).toBeLessThan(5_000);

      // Its connection was closed, so the server no longer runs it: nothing waits on the lock.
      await eventually(async () => {
        const { rows } = await holder.query(
          `SELECT count(*)::int AS "waiting" FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE "CreditAccount" SET "updatedAt"%'`,
        );
        expect(rows[0].waiting).toBe(0);
      });
      await holder.query("ROLLBACK");
      expect(await runPrepared(TOUCH_ACCOUNT, [user.id], 300)).toEqual([{ userId: user.id }]);
    } finally {
      await holder.end();
    }
  });
});
