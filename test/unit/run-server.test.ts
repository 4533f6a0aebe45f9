// scripts/run-server.sh, how `npm start` and every test stack run the production server: node on
// jemalloc when the machine has it (the test suite installs libjemalloc2), an LD_PRELOAD the
// operator set left as it is, and no wrapper process left between the signal and the server.
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const script = path.resolve(__dirname, "../../scripts/run-server.sh");

// What the process started by the script reports: its pid and whether jemalloc is mapped into it.
const REPORT = `const maps = require("node:fs").readFileSync("/proc/self/maps", "utf8");
process.stdout.write(JSON.stringify({ pid: process.pid, jemalloc: maps.includes("libjemalloc") }));`;

async function runScript(env: NodeJS.ProcessEnv): Promise<{ childPid: number; pid: number; jemalloc: boolean }> {
  const child = spawn("sh", [script, "-e", REPORT], { env, stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  expect(code).toBe(0);
  return { childPid: child.pid!, ...(JSON.parse(output) as { pid: number; jemalloc: boolean }) };
}

const { LD_PRELOAD: _ignored, ...withoutPreload } = process.env;

describe("scripts/run-server.sh", () => {
  it("runs node on jemalloc, as the very process it was started as", async () => {
    const run = await runScript(withoutPreload);
    expect(run.jemalloc, "node runs on jemalloc (libjemalloc2, which the test suite installs when run as root)").toBe(true);
    // exec'd: a signal sent to the pid its starter knows (SIGTERM drains) reaches node itself.
    expect(run.pid).toBe(run.childPid);
  });

  it("keeps an LD_PRELOAD the operator set, even an empty one that asks for the system's malloc", async () => {
    const run = await runScript({ ...withoutPreload, LD_PRELOAD: "" });
    expect(run.jemalloc).toBe(false);
  });
});
