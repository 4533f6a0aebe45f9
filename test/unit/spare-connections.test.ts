// The spare connection a keep-alive agent keeps to each server, against a real loopback server
// that records when it accepted each connection and which connection each request came on.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { keepSpareConnections } from "@/lib/inference/providers/spare-connections";

const IDLE_MS = 300;

interface Arrival {
  socket: Socket;
  res: ServerResponse;
  /** When the server accepted the connection the request came on, and when the request came. */
  acceptedAt: number;
  arrivedAt: number;
}

let server: http.Server | undefined;
let agent: http.Agent | undefined;

afterEach(async () => {
  agent?.destroy();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = agent = undefined;
});

/** A server that holds every request until the test answers it. */
async function holdingServer() {
  const accepted = new Map<Socket, number>();
  const open = new Set<Socket>();
  const arrivals: Arrival[] = [];
  server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    arrivals.push({ socket: req.socket, res, acceptedAt: accepted.get(req.socket)!, arrivedAt: performance.now() });
  });
  server.on("connection", (socket: Socket) => {
    accepted.set(socket, performance.now());
    open.add(socket);
    socket.once("close", () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, arrivals, open, accepted };
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.once("end", () => resolve(text));
      })
      .once("error", reject);
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("an agent keeping a spare connection", () => {
  it("sends a request that finds every kept-alive connection busy on a spare opened before it, and opens another", async () => {
    const { url, arrivals, accepted } = await holdingServer();
    agent = keepSpareConnections(new http.Agent({ keepAlive: true }), IDLE_MS);

    const first = get(url);
    await expect.poll(() => arrivals.length).toBe(1);
    // The first request's connection, and a spare beside it.
    await expect.poll(() => accepted.size).toBe(2);
    await pause(50);
    const sentAt = performance.now();
    const second = get(url);
    await expect.poll(() => arrivals.length).toBe(2);

    const [held, onSpare] = arrivals as [Arrival, Arrival];
    expect(onSpare.socket).not.toBe(held.socket);
    // Connected well before the request was sent: nothing to wait for but the request itself.
    expect(onSpare.acceptedAt).toBeLessThan(sentAt - 40);
    // Taking the spare opened the next one.
    await expect.poll(() => accepted.size).toBe(3);

    held.res.end("first");
    onSpare.res.end("second");
    expect([await first, await second]).toEqual(["first", "second"]);
  });

  it("closes a spare nobody takes within its idle time, and opens none in its place", async () => {
    const { url, arrivals, open, accepted } = await holdingServer();
    agent = keepSpareConnections(new http.Agent({ keepAlive: true }), IDLE_MS);

    const answer = get(url);
    await expect.poll(() => arrivals.length).toBe(1);
    await expect.poll(() => open.size).toBe(2);
    const spare = [...open].find((socket) => socket !== arrivals[0]!.socket)!;

    await expect.poll(() => spare.destroyed, { timeout: IDLE_MS * 10 }).toBe(true);
    await pause(IDLE_MS);
    expect(accepted.size).toBe(2);
    // The connection in use is untouched.
    expect(open.has(arrivals[0]!.socket)).toBe(true);
    arrivals[0]!.res.end("done");
    expect(await answer).toBe("done");
  });
});
