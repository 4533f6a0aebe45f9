// Portkey's open-source AI gateway (@portkey-ai/gateway, a devDependency), the peer the gateway
// benchmark measures EcoLink against: its own Node server (build/start-server.js, a Hono app) in a
// process of its own, on a free port, reached at the loopback upstream through the headers
// `x-portkey-provider: openai` and `x-portkey-custom-host` (it forwards the Authorization header
// to the upstream as the provider's key). It bills nothing and logs nothing anywhere durable.
// Its output is kept so that the benchmark can say why its requests failed.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import path from "node:path";
import { freePort } from "../lib/embedded-postgres";

const packageDir = path.resolve(__dirname, "../../node_modules/@portkey-ai/gateway");
/** The output kept, from its end: enough for the errors of the last run. */
const KEPT_OUTPUT_CHARS = 200_000;

export interface PortkeyGateway {
  /** Where its OpenAI-compatible API is: `${url}/v1/chat/completions`. */
  url: string;
  version: string;
  /** The headers that send a request on to an OpenAI-compatible server at `upstreamBaseUrl`. */
  headersFor(upstreamBaseUrl: string): Record<string, string>;
  /** How much it has printed so far, to read what it prints from there on (errorSince). */
  outputLength(): number;
  /** The first error it printed (a line naming an Error) after output position `since`. */
  errorSince(since: number): string | undefined;
  stop(): Promise<void>;
}

export async function startPortkey(): Promise<PortkeyGateway> {
  const manifest = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version: string; bin: string };
  const port = await freePort();
  // --headless: no console UI. It listens on every interface (it has no option for the host);
  // the benchmark reaches it on 127.0.0.1.
  const child = spawn(process.execPath, [path.join(packageDir, manifest.bin), `--port=${port}`, "--headless"], {
    cwd: packageDir,
    env: { ...process.env, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let dropped = 0;
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > KEPT_OUTPUT_CHARS) {
      dropped += output.length - KEPT_OUTPUT_CHARS;
      output = output.slice(-KEPT_OUTPUT_CHARS);
    }
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = once(child, "exit");

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Portkey's gateway exited during start:\n${output}`);
    try {
      await fetch(url);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`Portkey's gateway did not start listening:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return {
    url,
    version: manifest.version,
    headersFor: (upstreamBaseUrl) => ({ "x-portkey-provider": "openai", "x-portkey-custom-host": upstreamBaseUrl }),
    outputLength: () => dropped + output.length,
    errorSince(since) {
      const text = output.slice(Math.max(0, since - dropped));
      return /^.*\b\w*Error\b.*$/m.exec(text)?.[0].trim();
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill();
      await exited;
    },
  };
}
