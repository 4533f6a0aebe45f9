// The open-streams benchmark's floor: a relay that does nothing but relay, in a process of its own.
// node:http in, node:http out over keep-alive connections, the answer's bytes piped to the client
// as they come: no key, no hold, no parsing, no checkpoint, no settlement. What any gateway written
// on Node pays at least, on this machine, to take a request in and relay its tokens, so that
// EcoLink's numbers can be read against it (Portkey's gateway cannot stream here). Prints one line
// of JSON with its URL and process id, then relays /v1/… to the upstream base URL given as its
// argument until killed.
import http from "node:http";

const upstreamBaseUrl = process.argv[2];
if (!upstreamBaseUrl) throw new Error("Usage: bare-relay.ts <upstream base URL>");
const agent = new http.Agent({ keepAlive: true });

const server = http.createServer((req, res) => {
  const path = (req.url ?? "/").replace(/^\/v1/, "");
  const forward = http.request(
    `${upstreamBaseUrl}${path}`,
    {
      method: req.method,
      agent,
      headers: { "content-type": req.headers["content-type"] ?? "application/json", "content-length": req.headers["content-length"] ?? "0" },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, { "content-type": answer.headers["content-type"] ?? "application/octet-stream" });
      answer.pipe(res);
    },
  );
  forward.once("error", () => res.destroy());
  // A client that leaves mid-answer ends the upstream request; a finished one keeps its connection.
  res.once("close", () => {
    if (!res.writableFinished) forward.destroy();
  });
  req.pipe(forward);
});

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("The bare relay has no port");
  console.log(JSON.stringify({ url: `http://127.0.0.1:${address.port}`, pid: process.pid }));
});
