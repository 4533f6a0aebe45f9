// A request refused mid-body is answered, then its connection lingers (read and thrown away: see
// reverse-proxy.test.ts's client that reads nothing until its whole body is sent) — but not forever.
import { once } from "node:events";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { lingerAfterAnswer } from "@/lib/http/lingering-close";

const servers: http.Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function refusingServer(lingerMs: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    lingerAfterAnswer(req, res, lingerMs);
    res.writeHead(413, { "content-length": "2" });
    res.end("no");
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return server;
}

it("closes the connection of a client that never stops sending once the linger time is up, having answered it", async () => {
  const server = await refusingServer(200);
  // Half-open allowed: the server's FIN doesn't end this client's side, it goes on sending.
  const socket = net.connect({ port: (server.address() as AddressInfo).port, host: "127.0.0.1", allowHalfOpen: true });
  socket.write("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000000000\r\n\r\n");
  let text = "";
  socket.setEncoding("latin1");
  socket.on("data", (data: string) => (text += data));
  // Cut off mid-write, it sees EPIPE or ECONNRESET: expected, once the answer has been read.
  socket.on("error", () => undefined);
  const closed = new Promise((resolve) => socket.once("close", resolve));
  const chunk = Buffer.alloc(64 * 1024, "x");
  const pump = () => {
    while (!socket.destroyed) {
      if (!socket.write(chunk)) {
        socket.once("drain", pump);
        return;
      }
    }
  };
  pump();

  await closed;
  expect(text).toMatch(/^HTTP\/1\.1 413 [\s\S]*\r\n\r\nno$/);
  expect(text).toMatch(/\r\nconnection: close\r\n/i);
  const open = await new Promise<number>((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
  expect(open).toBe(0);
});
