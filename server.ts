// The production HTTP server (`npm start`, and what the tests and benchmarks run). Requests for
// the /v1 API go straight to their route handlers in app/v1 — the same modules `next dev` serves —
// because Next.js's router costs more per request (about 1.5 ms at the median on a 2-core machine,
// and tens at the tail) than the gateway's whole budget (`npm run bench`). Everything else, and any
// /v1 request that isn't one of these exact routes and methods (a trailing slash, an unknown path,
// a 405), is passed to Next.js's own server, which runs in a child process (next-server.ts) so that
// its heap and hooks stay out of the API's; behaviour at the edges stays Next's.
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import * as audioTranscriptions from "@/app/v1/audio/transcriptions/route";
import * as chatCompletions from "@/app/v1/chat/completions/route";
import * as imageGenerations from "@/app/v1/images/generations/route";
import * as me from "@/app/v1/me/route";
import * as modelById from "@/app/v1/models/[...id]/route";
import * as models from "@/app/v1/models/route";
import { sendWebResponse, toWebRequest } from "@/lib/http/node-web-bridge";
import { proxyRequest } from "@/lib/http/reverse-proxy";
import { backgroundSettlementsLanded } from "@/lib/inference/metering";
import { openAIErrorResponse } from "@/lib/inference/openai-errors";

type RouteHandler = (request: Request, context: { params: Promise<never> }) => Promise<Response>;
type RouteModule = Partial<Record<"GET" | "POST", RouteHandler>>;

interface V1Match {
  module: RouteModule;
  params: Record<string, string | string[]>;
}

const exactRoutes = new Map<string, RouteModule>([
  ["/v1/chat/completions", chatCompletions],
  ["/v1/images/generations", imageGenerations],
  ["/v1/audio/transcriptions", audioTranscriptions],
  ["/v1/models", models],
  ["/v1/me", me],
]);

/** The app/v1 route module and params for a path, as Next.js's router would find them; null for anything else. */
export function matchV1Route(pathname: string): V1Match | null {
  const exact = exactRoutes.get(pathname);
  if (exact) return { module: exact, params: {} };
  if (pathname.startsWith("/v1/models/")) {
    // Segments stay percent-encoded; the route decodes them (model ids contain slashes).
    const id = pathname.slice("/v1/models/".length).split("/");
    if (id.every((segment) => segment !== "")) return { module: modelById, params: { id } };
  }
  return null;
}

function v1Handler(req: IncomingMessage): { handler: RouteHandler; params: Record<string, string | string[]> } | null {
  const url = req.url ?? "/";
  if (!url.startsWith("/v1/")) return null;
  const query = url.indexOf("?");
  const match = matchV1Route(query === -1 ? url : url.slice(0, query));
  const handler = match?.module[req.method as "GET" | "POST"];
  return match && handler ? { handler, params: match.params } : null;
}

async function serveV1(req: IncomingMessage, res: ServerResponse, handler: RouteHandler, params: Record<string, string | string[]>): Promise<void> {
  try {
    const response = await handler(toWebRequest(req, res), { params: Promise.resolve(params as never) });
    await sendWebResponse(res, response);
  } catch (error) {
    // The route handlers answer every error themselves; one that escapes is a bug, answered (and
    // logged) as OpenAI's internal error.
    if (res.headersSent) res.destroy();
    else await sendWebResponse(res, openAIErrorResponse(error));
  }
}

interface NextProcess {
  port: number;
  stop(): Promise<void>;
}

/** Starts next-server.ts (with this process's loader flags, so under tsx too) and waits for its port. */
async function startNextProcess(publicPort: number): Promise<NextProcess> {
  const child: ChildProcess = fork(path.join(__dirname, "next-server.ts"), [], { env: { ...process.env, PORT: String(publicPort) }, stdio: "inherit" });
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  const failed = exited.then(([code, signal]): never => {
    throw new Error(`Next.js's server exited during start (${signal ?? `code ${code}`})`);
  });
  const [{ port }] = await Promise.race([once(child, "message") as Promise<[{ port: number }]>, failed]);
  let stopping = false;
  void exited.then(([code, signal]) => {
    if (stopping) return;
    // The console is gone; end the whole service rather than answer half of it, so that whatever
    // supervises it starts it again.
    console.error(`Next.js's server exited unexpectedly (${signal ?? `code ${code}`}); stopping.`);
    process.exit(1);
  });
  return {
    port,
    stop: async () => {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}

export interface AppServer {
  url: string;
  close(): Promise<void>;
}

/** Listens on `port` on every interface, like `next start`. */
export async function startAppServer(options: { port: number }): Promise<AppServer> {
  const nextProcess = await startNextProcess(options.port);
  const server = createServer((req, res) => {
    const v1 = v1Handler(req);
    if (v1) void serveV1(req, res, v1.handler, v1.params);
    else proxyRequest(req, res, nextProcess.port);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, resolve);
    });
  } catch (error) {
    await nextProcess.stop();
    throw error;
  }
  return {
    url: `http://localhost:${options.port}`,
    /** Stops accepting connections, lets the requests in progress finish, and settles them. */
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await backgroundSettlementsLanded();
      await nextProcess.stop();
    },
  };
}
