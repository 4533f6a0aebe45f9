// Everything the integration and end-to-end tests run against, started for real: a throwaway
// embedded PostgreSQL with the migrations applied and the seed loaded, a loopback SMTP sink, a
// loopback Stripe API (test/support/stripe-fake.ts, which the app reaches through STRIPE_API_BASE), and
// the app (`npm start` serving the production build in NEXT_DIST_DIR, or `next dev` with TEST_APP_MODE=dev).
// scripts/test.ts starts one stack for the whole run and hands its addresses down in the
// environment; a test file run on its own starts one through the runners' global setup.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { freePort, startThrowawayPostgres } from "../../scripts/lib/embedded-postgres";
import { applyMigrations } from "../../scripts/lib/migrations";
import { projectRoot as root } from "../../scripts/lib/project-root";
import { buildServerBundle } from "../../scripts/lib/server-bundle";
import { seedDatabase } from "../../prisma/seed";
import { startMailSink } from "./mail-sink";
import { startStripeFake } from "./stripe-fake";

export interface StackEnv {
  DATABASE_URL: string;
  APP_URL: string;
  MAIL_DIR: string;
  SMTP_PORT: string;
  AUTH_SECRET: string;
  /** The Stripe fake's address (its /v1 API and the /__fake control routes). */
  STRIPE_FAKE_URL: string;
  STRIPE_API_BASE: string;
  STRIPE_SECRET_KEY: string;
  STRIPE_WEBHOOK_SECRET: string;
  TEST_STACK_READY: "1";
}

export interface RunningStack {
  env: StackEnv;
  /** The app server's own process id (null without the app): benchmarks read its memory from /proc. */
  appPid: number | null;
  stop(): Promise<void>;
}

export interface AppInstance {
  url: string;
  stop(): Promise<void>;
}

/** An app server process, for tests that signal it themselves (test/faults). */
export interface AppProcess extends AppInstance {
  /** The server's own process (node running the server's bundle, no wrapper in between). */
  pid: number;
  /** Resolves once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it has printed so far. */
  output(): string;
}

export const TEST_AUTH_SECRET = "test-secret-test-secret-test-secret";
export const TEST_STRIPE_SECRET_KEY = "sk_test_ecolink_fake_stripe";
export const TEST_STRIPE_WEBHOOK_SECRET = "whsec_test_ecolink_fake_stripe";

/** What an app process is started with: the database, its own address, and the mail sink if there is one. */
export function appEnvironment(stack: { databaseUrl: string; port: number; smtpPort?: number }, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: process.env.TEST_APP_MODE === "dev" ? ("development" as const) : ("production" as const),
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: stack.databaseUrl,
    AUTH_SECRET: TEST_AUTH_SECRET,
    AUTH_URL: `http://localhost:${stack.port}`,
    AUTH_TRUST_HOST: "true",
    ...(stack.smtpPort ? { SMTP_URL: `smtp://127.0.0.1:${stack.smtpPort}` } : {}),
    PORT: String(stack.port),
    ...extra,
  };
}

/**
 * Starts one more app process against the stack's database, e.g. a second instance behind an
 * imagined load balancer, or one with different settings. Usable from any test process.
 */
export async function startAppInstance(extraEnv: Record<string, string> = {}): Promise<AppInstance> {
  const databaseUrl = process.env.DATABASE_URL;
  const smtpPort = Number(process.env.SMTP_PORT);
  if (!databaseUrl || !smtpPort) throw new Error("startAppInstance needs a running test stack (DATABASE_URL, SMTP_PORT)");
  return startAppOn({ databaseUrl, smtpPort }, extraEnv);
}

/** Starts an app process on a free port against `stack.databaseUrl` (a fault test's own PostgreSQL, say). */
export async function startAppOn(stack: { databaseUrl: string; smtpPort?: number }, extraEnv: Record<string, string> = {}): Promise<AppProcess> {
  const port = await freePort();
  return startAppServer(appEnvironment({ ...stack, port }, extraEnv), port);
}

// The production server's bundle, built once per process from the sources as they are, so that a
// test run always serves the code it tests (it takes a fraction of a second).
let productionServer: Promise<string> | undefined;

function productionServerEntry(): Promise<string> {
  productionServer ??= buildServerBundle();
  return productionServer;
}

/**
 * Starts the app server with `env` listening on `port` and waits until it answers. Production is
 * what `npm start` runs (migrations already applied are a no-op): the server's bundle, run by node
 * through scripts/run-server.sh, which execs it, so that the process signalled is the server, not a
 * wrapper; dev is `next dev`.
 */
export async function startAppServer(env: NodeJS.ProcessEnv, port: number): Promise<AppProcess> {
  const { program, args } =
    process.env.TEST_APP_MODE === "dev"
      ? { program: process.execPath, args: [path.join(root, "node_modules/next/dist/bin/next"), "dev", "--port", String(port), "--hostname", "127.0.0.1"] }
      : { program: "sh", args: [path.join(root, "scripts/run-server.sh"), await productionServerEntry()] };
  const child: ChildProcess = spawn(program, args, {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (process.env.TEST_APP_LOG) process.stderr.write(chunk);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`The app server exited during start:\n${output}`);
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`The app server did not become healthy:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    pid: child.pid!,
    exited,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** `fsync`: the database flushes its writes as production's does (benchmarks); tests run without. */
export async function startStack(options: { app: boolean; fsync?: boolean }): Promise<RunningStack> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), "ecolink-test-"));
  const postgres = await startThrowawayPostgres({ quiet: true, fsync: options.fsync });
  await postgres.createDatabase("ecolink_test");
  const databaseUrl = postgres.url("ecolink_test");
  await applyMigrations(databaseUrl);
  await seedDatabase(databaseUrl);

  const smtpPort = await freePort();
  const mailDir = path.join(tmp, "mail");
  const sink = await startMailSink(mailDir, smtpPort);
  const stripe = await startStripeFake({ secretKey: TEST_STRIPE_SECRET_KEY });
  const stripeEnv = {
    STRIPE_FAKE_URL: stripe.url,
    STRIPE_API_BASE: stripe.url,
    STRIPE_SECRET_KEY: TEST_STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET: TEST_STRIPE_WEBHOOK_SECRET,
  };

  let app: AppProcess | null = null;
  if (options.app) {
    app = await startAppOn({ databaseUrl, smtpPort }, stripeEnv);
  }

  return {
    env: {
      DATABASE_URL: databaseUrl,
      APP_URL: app?.url ?? "",
      MAIL_DIR: mailDir,
      SMTP_PORT: String(smtpPort),
      AUTH_SECRET: TEST_AUTH_SECRET,
      ...stripeEnv,
      TEST_STACK_READY: "1",
    },
    appPid: app?.pid ?? null,
    stop: async () => {
      await app?.stop();
      await stripe.close();
      await sink.close();
      await postgres.stop();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}
