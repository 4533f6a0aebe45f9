// The production HTTP server (`npm start`, and what the tests and benchmarks run). Requests for
// the /v1 API go straight to their route handlers in app/v1 — the same modules `next dev` serves —
// because Next.js's router costs more per request than the gateway's whole budget (`npm run bench`).
// GET /metrics (Prometheus, behind METRICS_TOKEN) is served here too, from this process's counts.
// A /v1 path we don't serve answers OpenAI's JSON 404, and a known path asked with another method a
// 405 with Allow. Everything else is passed to Next.js's own server, which runs in a child process (next-server.ts) so that
// its heap and hooks stay out of the API's; behaviour at the edges stays Next's. If that child
// dies it is started again, while the API keeps serving.
//
// close() drains: it stops accepting connections, lets the requests in progress finish for
// SHUTDOWN_GRACE_MS, then ends the rest (each stream billed for what it delivered), waits for
// their settlements to land and stops the child.
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import * as audioSpeech from "@/app/v1/audio/speech/route";
import * as audioTranscriptions from "@/app/v1/audio/transcriptions/route";
import * as audioTranslations from "@/app/v1/audio/translations/route";
import * as chatCompletions from "@/app/v1/chat/completions/route";
import * as completions from "@/app/v1/completions/route";
import * as embeddings from "@/app/v1/embeddings/route";
import * as imageGenerations from "@/app/v1/images/generations/route";
import * as me from "@/app/v1/me/route";
import * as modelById from "@/app/v1/models/[...id]/route";
import * as models from "@/app/v1/models/route";
import * as openapi from "@/app/v1/openapi.json/route";
import { requestHeadFromNode, sendWebResponse, toWebRequest, writeStream } from "@/lib/http/node-web-bridge";
import { answerConsoleUnreachable, proxyRequest } from "@/lib/http/reverse-proxy";
import { env } from "@/lib/env";
import { drainRequests, releaseInstanceLease } from "@/lib/inference/gateway-instance";
import { startGatewayInstance } from "@/lib/inference/metering";
import { invalidV1Url, methodNotAllowed, openAIErrorResponse } from "@/lib/inference/openai-errors";
import { EVENT_STREAM_HEADERS, eventStreamReader } from "@/lib/inference/sse";
import type { FramedAnswer, V1RouteHandler } from "@/lib/inference/v1-handler";
import { serveMetrics } from "@/lib/http/metrics-endpoint";

type RouteHandler = ((request: Request, context: { params: Promise<never> }) => Promise<Response>) & Partial<Pick<V1RouteHandler<never>, "answer">>;
type RouteModule = Partial<Record<"GET" | "POST", RouteHandler>>;

interface V1Match {
  module: RouteModule;
  params: Record<string, string | string[]>;
}

const exactRoutes = new Map<string, RouteModule>([
  ["/v1/chat/completions", chatCompletions],
  ["/v1/completions", completions],
  ["/v1/images/generations", imageGenerations],
  ["/v1/audio/transcriptions", audioTranscriptions],
  ["/v1/audio/translations", audioTranslations],
  ["/v1/audio/speech", audioSpeech],
  ["/v1/embeddings", embeddings],
  ["/v1/models", models],
  ["/v1/me", me],
  ["/v1/openapi.json", openapi],
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

const ROUTE_METHODS = ["GET", "POST"] as const;

/**
 * The handler for a /v1 request: its route's, a 405 naming the methods the path allows, or a 404
 * for a path the API doesn't have. Null for anything outside /v1/, which Next.js serves.
 */
function v1Handler(req: IncomingMessage): { handler: RouteHandler; params: Record<string, string | string[]> } | null {
  const url = req.url ?? "/";
  if (!url.startsWith("/v1/")) return null;
  const query = url.indexOf("?");
  const pathname = query === -1 ? url : url.slice(0, query);
  const match = matchV1Route(pathname);
  if (!match) return { handler: async () => openAIErrorResponse(invalidV1Url(req.method ?? "GET", pathname)), params: {} };
  const handler = match.module[req.method as "GET" | "POST"];
  if (handler) return { handler, params: match.params };
  const allowed = ROUTE_METHODS.filter((method) => match.module[method]);
  return { handler: async () => methodNotAllowed(req.method ?? "", pathname, allowed), params: {} };
}

async function serveV1(req: IncomingMessage, res: ServerResponse, handler: RouteHandler, params: Record<string, string | string[]>): Promise<void> {
  try {
    const context = { params: Promise.resolve(params as never) };
    await sendAnswer(res, handler.answer ? await handler.answer(requestHeadFromNode(req, res), context) : await handler(toWebRequest(req, res), context));
  } catch (error) {
    // The route handlers answer every error themselves; one that escapes is a bug, answered (and
    // logged) as OpenAI's internal error.
    if (res.headersSent) res.destroy();
    else await sendWebResponse(res, openAIErrorResponse(error));
  }
}

/** A route's answer, written straight to the socket unless it is a Response. */
async function sendAnswer(res: ServerResponse, answer: FramedAnswer): Promise<void> {
  if (answer instanceof Response) return sendWebResponse(res, answer);
  res.statusCode = 200;
  if ("json" in answer) {
    const body = JSON.stringify(answer.json);
    res.setHeader("content-type", "application/json");
    res.setHeader("content-length", Buffer.byteLength(body));
    for (const name in answer.headers) res.setHeader(name, answer.headers[name]!);
    res.end(body);
    return;
  }
  const { events } = answer;
  for (const headers of [EVENT_STREAM_HEADERS, answer.headers]) {
    for (const name in headers) res.setHeader(name, headers[name]!);
  }
  await writeStream(res, eventStreamReader(events), () => void events.return?.());
}

interface NextProcess {
  /** The child's port, or null while it is down (being started again). */
  port(): number | null;
  /** Resolves once the child is up again, or after `withinMs`, with its port (null: still down). */
  whenUp(withinMs: number): Promise<number | null>;
  stop(): Promise<void>;
}

/** How long a console request waits for a restarting child before it is told the console is down. */
const CONSOLE_RESTART_WAIT_MS = 5_000;
const RESTART_BACKOFF_MS = { first: 500, max: 30_000 };
/** A child that has run this long is healthy again: the next restart starts from the first backoff. */
const HEALTHY_AFTER_MS = 60_000;

/**
 * Starts next-server.ts and waits for its port. This runs from the production server's bundle
 * (scripts/lib/server-bundle.ts), and next-server.ts's bundle is beside it; the child gets this
 * process's node flags (source maps).
 */
async function forkNextServer(publicPort: number): Promise<{ child: ChildProcess; port: number; exited: Promise<[number | null, NodeJS.Signals | null]> }> {
  const child: ChildProcess = fork(path.join(__dirname, "next-server.js"), [], { env: { ...process.env, PORT: String(publicPort) }, stdio: "inherit" });
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  const failed = exited.then(([code, signal]): never => {
    throw new Error(`Next.js's server exited during start (${signal ?? `code ${code}`})`);
  });
  const [{ port }] = await Promise.race([once(child, "message") as Promise<[{ port: number }]>, failed]);
  return { child, port, exited };
}

/**
 * Runs Next.js's server as a child and starts it again whenever it dies (after a backoff that
 * grows while it keeps dying), so that the console comes back by itself and the API, served here,
 * never stops.
 */
async function startNextProcess(publicPort: number): Promise<NextProcess> {
  let current = await forkNextServer(publicPort);
  let up = true;
  let stopping = false;
  let backoffMs = RESTART_BACKOFF_MS.first;
  let upAgain: (() => void)[] = [];

  const supervise = (running: typeof current) => {
    const startedAt = Date.now();
    void running.exited.then(async ([code, signal]) => {
      if (stopping) return;
      up = false;
      if (Date.now() - startedAt > HEALTHY_AFTER_MS) backoffMs = RESTART_BACKOFF_MS.first;
      for (;;) {
        console.error(`Next.js's server exited unexpectedly (${signal ?? `code ${code}`}); starting it again in ${backoffMs} ms. The API keeps serving.`);
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
        backoffMs = Math.min(backoffMs * 2, RESTART_BACKOFF_MS.max);
        if (stopping) return;
        try {
          current = await forkNextServer(publicPort);
          break;
        } catch (error) {
          console.error((error as Error).message);
        }
      }
      if (stopping) {
        current.child.kill("SIGTERM");
        return;
      }
      up = true;
      for (const wake of upAgain.splice(0)) wake();
      supervise(current);
    });
  };
  supervise(current);

  return {
    port: () => (up ? current.port : null),
    whenUp: async (withinMs) => {
      if (!up) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, withinMs);
          upAgain.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return up ? current.port : null;
    },
    stop: async () => {
      stopping = true;
      upAgain = [];
      const { child, exited } = current;
      if (up && child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}

/** Passes a console request to Next.js, waiting a moment for it while it is being started again. */
function serveConsole(req: IncomingMessage, res: ServerResponse, nextProcess: NextProcess): void {
  const port = nextProcess.port();
  if (port !== null) {
    proxyRequest(req, res, port);
    return;
  }
  void nextProcess.whenUp(CONSOLE_RESTART_WAIT_MS).then((restarted) => {
    if (res.destroyed) return;
    if (restarted === null) answerConsoleUnreachable(res);
    else proxyRequest(req, res, restarted);
  });
}

export interface AppServer {
  url: string;
  close(): Promise<void>;
}

/** Listens on `port` on every interface, like `next start`. */
export async function startAppServer(options: { port: number }): Promise<AppServer> {
  // The lease first: this instance sweeps the requests of lost ones from the start.
  startGatewayInstance();
  const nextProcess = await startNextProcess(options.port);
  const server = createServer((req, res) => {
    if (req.url === "/metrics" || req.url?.startsWith("/metrics?")) {
      void serveMetrics(req, res);
      return;
    }
    const v1 = v1Handler(req);
    if (v1) void serveV1(req, res, v1.handler, v1.params);
    else serveConsole(req, res, nextProcess);
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
    /**
     * Stops accepting connections, lets the requests in progress finish (for SHUTDOWN_GRACE_MS,
     * then ends them), waits for their settlements to land, and stops Next.js's server, which
     * drains its own requests likewise. Rejects if some request could not be settled in time.
     */
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections that fall idle while we drain are closed as they do.
      const closeIdle = setInterval(() => server.closeIdleConnections(), 200);
      try {
        const childStopped = nextProcess.stop();
        const unsettled = await drainRequests(env().SHUTDOWN_GRACE_MS);
        // Every response is complete or ended by now; give their last bytes a moment to leave.
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1_000))]);
        server.closeAllConnections();
        await childStopped;
        await releaseInstanceLease();
        if (unsettled.length)
          throw new Error(`${unsettled.length} requests could not be settled before shutdown; the other instances settle them from their checkpoints.`);
      } finally {
        clearInterval(closeIdle);
      }
    },
  };
}
