// The front server hands everything but /v1 to Next.js through proxyRequest. Whatever the console
// sees of a request and whatever the browser gets back must be what they would be without that
// hop: a real front server and a real target server on loopback, and raw HTTP between them.
import { once } from "node:events";
import http, { type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { BODY_LIMIT_BYTES, proxyRequest, WEBHOOK_BODY_LIMIT_BYTES } from "@/lib/http/reverse-proxy";
import { uploadBeforeReading } from "../support/upload-before-reading";

const servers: Server[] = [];

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void, port = 0): Promise<number> {
  const server = http.createServer(handler);
  servers.push(server);
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

interface Answer {
  status: number;
  rawHeaders: string[];
  body: string;
}

function send(port: number, options: { method?: string; path?: string; headers?: string[]; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // Raw header lists get no Host added, and HTTP/1.1 requires one.
    const headers = options.headers ?? ["Host", "localhost"];
    const request = http.request({ host: "127.0.0.1", port, method: options.method ?? "GET", path: options.path ?? "/", headers, agent: false }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.once("end", () => resolve({ status: response.statusCode!, rawHeaders: response.rawHeaders, body }));
    });
    request.once("error", reject);
    request.end(options.body);
  });
}

function valuesOf(rawHeaders: string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === name) values.push(rawHeaders[i + 1]!);
  return values;
}

describe("proxyRequest", () => {
  it("passes method, path, headers and a streamed body through, and the answer back with every Set-Cookie", async () => {
    let seen: { method?: string; url?: string; rawHeaders: string[]; body: string } = { rawHeaders: [], body: "" };
    const target = await listen((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (body += chunk));
      req.once("end", () => {
        seen = { method: req.method, url: req.url, rawHeaders: req.rawHeaders, body };
        res.writeHead(303, ["Location", "/dashboard", "Set-Cookie", "a=1; Path=/", "Set-Cookie", "b=2; Path=/; HttpOnly", "Content-Type", "text/plain"]);
        res.write("see ");
        res.end("other");
      });
    });
    const front = await listen((req, res) => proxyRequest(req, res, target));

    const answer = await send(front, {
      method: "POST",
      path: "/sign-in?next=%2Fdashboard",
      headers: ["Host", "console.example:3000", "Cookie", "session=x", "Content-Type", "application/x-www-form-urlencoded", "Connection", "keep-alive"],
      body: "email=a%40b.c&password=secret",
    });

    expect(seen.method).toBe("POST");
    expect(seen.url).toBe("/sign-in?next=%2Fdashboard");
    expect(seen.body).toBe("email=a%40b.c&password=secret");
    expect(valuesOf(seen.rawHeaders, "host")).toEqual(["console.example:3000"]);
    expect(valuesOf(seen.rawHeaders, "cookie")).toEqual(["session=x"]);
    expect(answer.status).toBe(303);
    expect(valuesOf(answer.rawHeaders, "location")).toEqual(["/dashboard"]);
    expect(valuesOf(answer.rawHeaders, "set-cookie")).toEqual(["a=1; Path=/", "b=2; Path=/; HttpOnly"]);
    expect(answer.body).toBe("see other");
  });

  it("tells the target the socket's address, replacing what the client claimed, and drops its forwarded host", async () => {
    const seen: string[][][] = [];
    const target = await listen((req, res) => {
      seen.push(["x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "forwarded"].map((name) => valuesOf(req.rawHeaders, name)));
      res.end();
    });
    const front = await listen((req, res) => proxyRequest(req, res, target, 0));

    await send(front);
    await send(front, {
      headers: [
        "Host",
        "localhost",
        "X-Forwarded-For",
        "203.0.113.7, 198.51.100.2",
        "X-Forwarded-Host",
        "attacker.example",
        "X-Forwarded-Proto",
        "https",
        "X-Real-IP",
        "203.0.113.9",
        "Forwarded",
        "for=203.0.113.8",
      ],
    });

    expect(seen).toEqual([
      [["127.0.0.1"], [], [], [], []],
      [["127.0.0.1"], [], [], [], []],
    ]);
  });

  it("appends the socket's address to the chain and keeps the forwarded host when proxies in front are trusted", async () => {
    const seen: string[][][] = [];
    const target = await listen((req, res) => {
      seen.push(["x-forwarded-for", "x-forwarded-host"].map((name) => valuesOf(req.rawHeaders, name)));
      res.end();
    });
    const front = await listen((req, res) => proxyRequest(req, res, target, 1));

    await send(front);
    await send(front, { headers: ["Host", "localhost", "X-Forwarded-For", "203.0.113.7", "X-Forwarded-Host", "console.example"] });

    expect(seen).toEqual([
      [["127.0.0.1"], []],
      [["203.0.113.7, 127.0.0.1"], ["console.example"]],
    ]);
  });

  it("answers 502 in words when the target is down, and keeps serving once it is back", async () => {
    const target = await listen((_req, res) => res.end("back"));
    const front = await listen((req, res) => proxyRequest(req, res, target));
    const down = servers.shift()!;
    down.closeAllConnections();
    await new Promise((resolve) => down.close(resolve));

    const refused = await send(front);
    expect(refused.status).toBe(502);
    expect(refused.body).toMatch(/not reachable right now/);

    await listen((_req, res) => res.end("back"), target);
    expect((await send(front)).body).toBe("back");
  });

  it("sends a body-less request again when the kept-alive connection it went out on is reset, and a body never", async () => {
    // The target resets every connection on its second request: what a console closing an idle
    // connection just as the proxy reuses it looks like from the proxy's side.
    const served: string[] = [];
    const target = await listen((req, res) => {
      const socket = req.socket as typeof req.socket & { served?: number };
      socket.served = (socket.served ?? 0) + 1;
      if (socket.served > 1) return void socket.destroy();
      req.resume();
      req.once("end", () => {
        served.push(`${req.method} ${req.url}`);
        res.end("ok");
      });
    });
    const front = await listen((req, res) => proxyRequest(req, res, target, 0));

    expect((await send(front, { path: "/a" })).body).toBe("ok");
    const post = await send(front, { method: "POST", path: "/action", headers: ["Host", "localhost", "Content-Type", "text/plain"], body: "once" });
    expect(post.status).toBe(502);
    expect((await send(front, { path: "/b" })).body).toBe("ok");
    expect(await send(front, { path: "/c" })).toMatchObject({ status: 200, body: "ok" });
    expect(served).toEqual(["GET /a", "GET /b", "GET /c"]);
  });

  it("stops the target's work when the client goes away mid-answer", async () => {
    let targetSawClose!: () => void;
    const closed = new Promise<void>((resolve) => (targetSawClose = resolve));
    const target = await listen((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: first\n\n");
      res.once("close", () => targetSawClose());
    });
    const front = await listen((req, res) => proxyRequest(req, res, target));

    const request = http.request({ host: "127.0.0.1", port: front, agent: false });
    request.end();
    const [response] = (await once(request, "response")) as [IncomingMessage];
    const [first] = (await once(response, "data")) as [Buffer];
    expect(first.toString()).toBe("data: first\n\n");
    request.destroy();

    await closed;
  });
});

describe("proxyRequest's body limits", () => {
  /** A target that counts what reaches it. */
  async function countingTarget(): Promise<{ port: number; received: () => number }> {
    let received = 0;
    const port = await listen((req, res) => {
      req.on("data", (chunk: Buffer) => (received += chunk.length));
      req.once("end", () => res.end("ok"));
    });
    return { port, received: () => received };
  }

  /** Streams `total` bytes in 64 kB chunks without a Content-Length, and returns the answer. */
  function streamBody(port: number, path: string, total: number): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const request = http.request({ host: "127.0.0.1", port, method: "POST", path, headers: { "transfer-encoding": "chunked" }, agent: false }, (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.once("end", () => resolve({ status: response.statusCode!, rawHeaders: response.rawHeaders, body }));
      });
      // The server stops reading and closes once it has refused: writes after that fail, which is the point.
      request.once("error", (error) => (request.writableEnded ? undefined : reject(error)));
      const chunk = Buffer.alloc(64 * 1024, 120);
      let sent = 0;
      const pump = () => {
        while (sent < total && !request.destroyed) {
          sent += chunk.length;
          if (!request.write(chunk)) return void request.once("drain", pump);
        }
        if (!request.destroyed) request.end();
      };
      pump();
    });
  }

  it("refuses a webhook body over 1 MB with 413 in words, before reading it when its length is declared", async () => {
    const target = await countingTarget();
    const front = await listen((req, res) => proxyRequest(req, res, target.port, 0));

    const declared = await send(front, {
      method: "POST",
      path: "/api/stripe/webhook",
      headers: ["Host", "localhost", "Content-Length", String(WEBHOOK_BODY_LIMIT_BYTES + 1), "Content-Type", "application/json"],
      body: "x".repeat(WEBHOOK_BODY_LIMIT_BYTES + 1),
    });
    expect(declared.status).toBe(413);
    expect(declared.body).toBe("This request's body is too large: the limit here is 1 MB.\n");
    expect(target.received()).toBe(0);

    const fits = await send(front, {
      method: "POST",
      path: "/api/stripe/webhook",
      headers: ["Host", "localhost", "Content-Type", "application/json"],
      body: "x".repeat(WEBHOOK_BODY_LIMIT_BYTES),
    });
    expect(fits).toMatchObject({ status: 200, body: "ok" });
  });

  it("stops a streamed body as soon as it passes the limit: 413, and the target gets no more than the limit", async () => {
    const target = await countingTarget();
    const front = await listen((req, res) => proxyRequest(req, res, target.port, 0));

    const webhook = await streamBody(front, "/api/stripe/webhook?x=1", 20 * 1024 * 1024);
    expect(webhook.status).toBe(413);
    expect(target.received()).toBeLessThanOrEqual(WEBHOOK_BODY_LIMIT_BYTES);

    const upload = await streamBody(front, "/playground/audio", BODY_LIMIT_BYTES + 4 * 1024 * 1024);
    expect(upload.status).toBe(413);
    expect(upload.body).toBe("This request's body is too large: the limit here is 26 MB.\n");
    expect(target.received()).toBeLessThanOrEqual(WEBHOOK_BODY_LIMIT_BYTES + BODY_LIMIT_BYTES);
  });

  it("lets a client that sends its whole body before reading the answer read its 413, however far past the limit", async () => {
    const target = await countingTarget();
    const front = await listen((req, res) => proxyRequest(req, res, target.port, 0));

    // Closed as soon as the answer was written, with the upload still arriving, the connection
    // reset under this client's writes: it never read the 413 waiting for it.
    const answer = await uploadBeforeReading(`http://127.0.0.1:${front}/api/stripe/webhook`, {
      total: 40 * 1024 * 1024,
      headers: ["Content-Type: application/json"],
    });
    expect(answer.error).toBeUndefined();
    expect(answer.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer.text).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer.text).toMatch(/the limit here is 1 MB\.\n/);
    expect(target.received()).toBeLessThanOrEqual(WEBHOOK_BODY_LIMIT_BYTES);
  });

  it("passes a body up to the general limit through whole (a server action uploading audio)", async () => {
    const target = await countingTarget();
    const front = await listen((req, res) => proxyRequest(req, res, target.port, 0));
    const answer = await streamBody(front, "/playground/audio", 25 * 1024 * 1024);
    expect(answer).toMatchObject({ status: 200, body: "ok" });
    expect(target.received()).toBe(25 * 1024 * 1024);
  });
});
