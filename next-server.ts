// Next.js's own server — the console, /api, server actions: everything but the /v1 API — in a
// process of its own, started by the front server (server.ts) and reached only through it, on a
// loopback port the system picks. Apart, Next.js's heap (large, and its major garbage collections
// stall the whole process) and its async-context hooks (which run on every promise) stay out of
// the API's process, where they set the gateway's tail latency (`npm run bench` measures it).
// Tells its parent the port over IPC, and ends when the parent does.
import "./scripts/lib/allow-server-only";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import next from "next";
import { projectRoot } from "./scripts/lib/project-root";

async function main() {
  const send = process.send?.bind(process);
  if (!send) throw new Error("next-server.ts is started by server.ts, with an IPC channel");
  // Next.js builds absolute URLs and X-Forwarded-Port from the public port, not this one.
  const app = next({ dev: false, dir: projectRoot, hostname: "localhost", port: Number(process.env.PORT ?? 3000) });
  await app.prepare();
  const handle = app.getRequestHandler();
  const server = createServer((req, res) => void handle(req, res));
  // The front server's agent (lib/http/reverse-proxy.ts) drops idle connections after 5 s: this side
  // must not close one first, or a request sent on it at that moment would meet a reset.
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => send({ port: (server.address() as AddressInfo).port }));
  // Drains like the front server: the playground's requests finish (or are ended after the grace
  // period and billed for what they delivered) and settle before the process exits.
  process.once("SIGTERM", () => {
    server.close();
    void (async () => {
      const { env } = await import("@/lib/env");
      const { drainRequests, releaseInstanceLease } = await import("@/lib/inference/gateway-instance");
      const unsettled = await drainRequests(env().SHUTDOWN_GRACE_MS);
      await releaseInstanceLease();
      await app.close();
      process.exit(unsettled.length ? 1 : 0);
    })();
  });
  // Ctrl-C reaches the whole process group; the front server decides when we stop (SIGTERM), after
  // the requests it is still serving and settling are done.
  process.on("SIGINT", () => undefined);
  // The front server is gone (even killed outright): nothing can reach us any more.
  process.once("disconnect", () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
