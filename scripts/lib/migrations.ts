// Prisma Migrate without the native schema engine (which the CLI would download): the official
// WASM build of the same engine, driven through the pg driver adapter. Migrations keep Prisma
// Migrate's on-disk format, so the standard CLI can take over wherever its engine is available.
import { readFile, readdir, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from "@prisma/driver-adapter-utils";
import { projectRoot as root } from "./project-root";

const schemaPath = path.join(root, "prisma/schema.prisma");
const migrationsDir = path.join(root, "prisma/migrations");
const lockfileName = "migration_lock.toml";
const noFilters = { externalTables: [], externalEnums: [] };

type EngineModule = typeof import("@prisma/schema-engine-wasm/schema_engine_bg");
type SchemaEngine = EngineModule["SchemaEngine"]["prototype"];

// The bindings module is a singleton, so the WASM instance behind it must be too.
let engineModule: Promise<EngineModule> | undefined;

function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= instantiateEngineModule();
  return engineModule;
}

async function instantiateEngineModule(): Promise<EngineModule> {
  // The engine reports a Rust panic's message here before it aborts.
  (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY = {
    set_message: (message: string) => console.error(`schema engine panic: ${message}`),
  };
  const pkgDir = path.join(root, "node_modules/@prisma/schema-engine-wasm");
  const bindings: EngineModule = await import(path.join(pkgDir, "schema_engine_bg.js"));
  const bytes = await readFile(path.join(pkgDir, "schema_engine_bg.wasm"));
  const { instance } = await WebAssembly.instantiate(bytes, {
    "./schema_engine_bg.js": bindings as unknown as WebAssembly.ModuleImports,
  });
  bindings.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return bindings;
}

async function withEngine<T>(databaseUrl: string, run: (engine: SchemaEngine, schema: string) => Promise<T>): Promise<T> {
  const { SchemaEngine } = await loadEngineModule();
  const schema = await readFile(schemaPath, "utf8");
  const adapter = bindMigrationAwareSqlAdapterFactory(adapterFactory(databaseUrl));
  const log = (line: string) => {
    if (process.env.DEBUG_SCHEMA_ENGINE) console.error(line);
  };
  const engine = await SchemaEngine.new({ datamodels: [[schemaPath, schema]] }, log, adapter);
  try {
    return await run(engine, schema);
  } finally {
    engine.free();
  }
}

// Discrete fields rather than a connectionString: the adapter opens its shadow database by
// overriding `database`, which a connectionString would silently take precedence over.
function poolConfig(databaseUrl: string) {
  const url = new URL(databaseUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)),
    ssl: url.searchParams.get("sslmode") === "require" ? { rejectUnauthorized: false } : undefined,
  };
}

// The schema engine reads catalog columns of PostgreSQL's one-byte "char" type (pg_constraint.contype
// and friends) and expects them typed as Character, which @prisma/adapter-pg 7 rejects as an
// unsupported type. Report them as Character, as the native engine's driver does.
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

type PgAdapter = Awaited<ReturnType<PrismaPg["connect"]>>;
type PerformIO = (query: unknown) => Promise<{ fields: { dataTypeID: number }[] }>;

function reportCharColumnsAsCharacter(adapter: PgAdapter): PgAdapter {
  const patchable = adapter as unknown as { performIO: PerformIO };
  const performIO = patchable.performIO.bind(adapter);
  let charColumns: number[] = [];
  patchable.performIO = async (query) => {
    const result = await performIO(query);
    charColumns = [];
    result.fields.forEach((field, index) => {
      if (field.dataTypeID === PG_CHAR_OID) {
        field.dataTypeID = PG_TEXT_OID;
        charColumns.push(index);
      }
    });
    return result;
  };
  const queryRaw = adapter.queryRaw.bind(adapter);
  // queryRaw runs synchronously from performIO's result to its return, so charColumns is this query's.
  adapter.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const index of charColumns) result.columnTypes[index] = ColumnTypeEnum.Character;
    return result;
  };
  return adapter;
}

// The adapter's executeScript splits a migration at every ";", which cuts a function's body (a
// migration's CREATE FUNCTION) apart. The native engine sends a migration whole, and PostgreSQL's
// simple query protocol runs its statements in order, as one transaction: so does this.
function runScriptsWhole(adapter: PgAdapter, pool: pg.Pool): PgAdapter {
  const onError = (adapter as unknown as { onError(error: unknown): never }).onError.bind(adapter);
  adapter.executeScript = async (script) => {
    await pool.query(script).catch(onError);
  };
  return adapter;
}

// Our own factory rather than PrismaPg's: its shadow database is dropped while its pool is still
// connected, which PostgreSQL refuses; this one closes the pool first and drops with FORCE.
function adapterFactory(databaseUrl: string) {
  const config = poolConfig(databaseUrl);
  const connectTo = async (database: string, onDispose: () => Promise<void>) => {
    const pool = new pg.Pool({ ...config, database });
    const adapter = runScriptsWhole(reportCharColumnsAsCharacter(await new PrismaPg(pool).connect()), pool);
    adapter.dispose = async () => {
      await pool.end();
      await onDispose();
    };
    return adapter;
  };
  const admin = async (sql: string) => {
    const client = new pg.Client(config);
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    provider: "postgres" as const,
    adapterName: "@prisma/adapter-pg",
    connect: () => connectTo(config.database, async () => {}),
    async connectToShadowDb() {
      const database = `prisma_shadow_${randomUUID().replace(/-/g, "")}`;
      await admin(`CREATE DATABASE "${database}"`);
      return connectTo(database, () => admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    },
  };
}

async function migrationList() {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrationDirectories = await Promise.all(
    names.map(async (name) => ({
      path: name,
      migrationFile: {
        path: "migration.sql",
        content: await readFile(path.join(migrationsDir, name, "migration.sql"), "utf8").then(
          (sql) => ({ tag: "ok" as const, value: sql }),
          (error: Error) => ({ tag: "error" as const, value: error.message }),
        ),
      },
    })),
  );
  const lock = await readFile(path.join(migrationsDir, lockfileName), "utf8").catch(() => null);
  return {
    baseDir: migrationsDir,
    lockfile: { path: lockfileName, content: lock },
    shadowDbInitScript: "",
    migrationDirectories,
  };
}

/** Applies every migration not yet recorded in `_prisma_migrations`; returns the names applied. */
export async function applyMigrations(databaseUrl: string): Promise<string[]> {
  return withEngine(databaseUrl, async (engine) => {
    const result = await engine.applyMigrations({ migrationsList: await migrationList(), filters: noFilters });
    return result.appliedMigrationNames;
  });
}

/** The SQL that would bring a database built from the migrations up to schema.prisma ("" when in sync). */
export async function pendingSchemaChanges(databaseUrl: string): Promise<string> {
  return withEngine(databaseUrl, async (engine, schema) => {
    const list = await migrationList();
    const from = list.migrationDirectories.length > 0 ? { tag: "migrations" as const, ...list } : { tag: "empty" as const };
    const result = await engine.diff({
      from,
      to: { tag: "schemaDatamodel", files: [{ path: schemaPath, content: schema }] },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    const sql = result.stdout ?? "";
    return /^\s*(-- This is an empty migration\.)?\s*$/.test(sql) ? "" : sql;
  });
}

/** Writes the difference between the migrations and schema.prisma as a new migration directory. */
export async function createMigration(databaseUrl: string, name: string): Promise<string | null> {
  const sql = await pendingSchemaChanges(databaseUrl);
  if (sql === "") return null;
  const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
  const dir = path.join(migrationsDir, `${stamp}_${name.replace(/[^a-z0-9_]+/gi, "_").toLowerCase()}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "migration.sql"), sql);
  await writeFile(
    path.join(migrationsDir, lockfileName),
    '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
  );
  return dir;
}
