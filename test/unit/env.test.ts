// Configuration that would let request headers decide emailed links is refused at start: in
// production AUTH_URL must be set (issue #11, H1), and TRUST_PROXY must say what it means.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

const root = path.resolve(__dirname, "../..");
const saved = { ...process.env };

afterEach(() => {
  process.env = { ...saved };
  vi.resetModules();
});

async function freshEnv(overrides: Record<string, string | undefined>) {
  process.env = { ...saved, DATABASE_URL: "postgresql://localhost/ecolink", AUTH_SECRET: "a-secret-of-enough-length", ...overrides };
  for (const [name, value] of Object.entries(overrides)) if (value === undefined) delete process.env[name];
  const { env } = await import("@/lib/env");
  return env;
}

describe("the environment", () => {
  it("refuses production without AUTH_URL, naming it", async () => {
    const env = await freshEnv({ NODE_ENV: "production", AUTH_URL: undefined });
    expect(() => env()).toThrow(/^Invalid environment configuration: AUTH_URL: AUTH_URL is required in production/);
  });

  it("takes production with AUTH_URL, and development without it", async () => {
    expect((await freshEnv({ NODE_ENV: "production", AUTH_URL: "https://console.example.com" }))().AUTH_URL).toBe("https://console.example.com");
    vi.resetModules();
    expect((await freshEnv({ NODE_ENV: "development", AUTH_URL: undefined }))().AUTH_URL).toBeUndefined();
  });

  it("reads TRUST_PROXY as a number of trusted hops, and refuses anything else by name", async () => {
    for (const [value, hops] of [
      [undefined, 0],
      ["", 0],
      ["false", 0],
      ["true", 1],
      ["2", 2],
    ] as const) {
      vi.resetModules();
      expect((await freshEnv({ NODE_ENV: "development", TRUST_PROXY: value }))().TRUST_PROXY).toBe(hops);
    }
    vi.resetModules();
    const env = await freshEnv({ NODE_ENV: "development", TRUST_PROXY: "yes" });
    expect(() => env()).toThrow("Invalid environment configuration: TRUST_PROXY: TRUST_PROXY must be false, true or a number of proxy hops");
  });

  it("stops `npm start` before anything listens, with one line naming AUTH_URL", () => {
    const env: NodeJS.ProcessEnv = { ...saved, DATABASE_URL: "postgresql://127.0.0.1:1/unreachable", AUTH_SECRET: "a-secret-of-enough-length", PORT: "1" };
    delete env.AUTH_URL;
    const started = spawnSync(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), path.join(root, "scripts/start.ts")], {
      cwd: root,
      env,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(started.status).toBe(1);
    expect(started.stdout).toBe("");
    expect(started.stderr.trim().split("\n")).toEqual([
      "Invalid environment configuration: AUTH_URL: AUTH_URL is required in production: the console's public URL, e.g. https://console.example.com",
    ]);
  });
});
