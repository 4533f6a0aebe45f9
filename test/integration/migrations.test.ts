import { describe, expect, it } from "vitest";
import { applyMigrations, pendingSchemaChanges } from "../../scripts/lib/migrations";

describe("database migrations", () => {
  it("describe exactly schema.prisma: replaying prisma/migrations leaves nothing to change", async () => {
    expect(await pendingSchemaChanges(process.env.DATABASE_URL!)).toBe("");
  });

  it("are already applied to the test database, so applying again does nothing", async () => {
    expect(await applyMigrations(process.env.DATABASE_URL!)).toEqual([]);
  });
});
