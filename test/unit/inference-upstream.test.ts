// The upstream provider against raw loopback servers that frame their answers awkwardly, the way
// real inference servers sometimes do: CRLF line ends, events split across TCP writes, comments,
// and fields we never asked for.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { DomainError } from "@/lib/errors";
import type { RegisteredModel } from "@/lib/inference/registry";
import { upstreamProvider } from "@/lib/inference/providers/upstream";
import { InferenceAbortedError } from "@/lib/inference/providers/types";

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<RegisteredModel> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    id: "acme/model",
    kind: "CHAT",
    displayName: "Acme",
    description: "",
    ownedBy: "acme",
    contextLength: 1000,
    prices: { inputPerMillion: 0n, outputPerMillion: 0n, perImage: new Map(), perAudioMinute: 0n },
    provider: "upstream",
    upstream: { baseUrl: `http://127.0.0.1:${port}/v1`, upstreamModel: "acme-7b", apiKey: "sk-upstream" },
    local: null,
    isDemo: false,
    createdAt: new Date(),
    availability: { available: true },
  };
}

const params = { messages: [{ role: "user" as const, content: "Hi" }], maxTokens: 5 };

async function collect(stream: AsyncGenerator<string, unknown>): Promise<{ deltas: string[]; end: unknown }> {
  const deltas: string[] = [];
  for (;;) {
    const step = await stream.next();
    if (step.done) return { deltas, end: step.value };
    deltas.push(step.value);
  }
}

describe("the upstream provider", () => {
  it("reads a stream framed with CRLF, split mid-event, with comments and empty deltas, and keeps its usage", async () => {
    let received: { headers: Record<string, unknown>; body: Record<string, unknown> } | undefined;
    const model = await serve(async (req, res) => {
      let raw = "";
      for await (const chunk of req) raw += chunk;
      received = { headers: req.headers, body: JSON.parse(raw) };
      res.writeHead(200, { "content-type": "text/event-stream" });
      const text =
        ": keep-alive\r\n\r\n" +
        'data: {"choices":[{"delta":{"role":"assistant","content":""},"finish_reason":null}]}\r\n\r\n' +
        'data: {"choices":[{"delta":{"content":"Hel"},"finish_reason":null}]}\r\n\r\n' +
        'data: {"choices":[{"delta":{"content":"lo ✓"},"finish_reason":null}],"usage":null}\r\n\r\n' +
        'data: {"choices":[{"delta":{},"finish_reason":"length"}]}\r\n\r\n' +
        'data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}\r\n\r\n' +
        "data: [DONE]\r\n\r\n";
      const bytes = Buffer.from(text);
      for (let i = 0; i < bytes.length; i += 7) {
        res.write(bytes.subarray(i, i + 7));
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    });

    const { deltas, end } = await collect(upstreamProvider.streamChat(model, params, new AbortController().signal));

    expect(deltas.join("")).toBe("Hello ✓");
    expect(end).toEqual({ finishReason: "length", usage: { promptTokens: 9, completionTokens: 2 } });
    expect(received!.headers.authorization).toBe("Bearer sk-upstream");
    expect(received!.body).toEqual({ model: "acme-7b", messages: [{ role: "user", content: "Hi" }], max_tokens: 5, stream: true, stream_options: { include_usage: true } });
  });

  it("keeps the last event of a stream that ends without its blank line (no [DONE])", async () => {
    const model = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end('data: {"choices":[{"delta":{"content":"Hi"},"finish_reason":"stop"}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":1}}');
    });

    const { deltas, end } = await collect(upstreamProvider.streamChat(model, params, new AbortController().signal));

    expect(deltas).toEqual(["Hi"]);
    expect(end).toEqual({ finishReason: "stop", usage: { promptTokens: 4, completionTokens: 1 } });
  });

  it("passes the server's explanation of a 400 on, and reports a 5xx or garbage as an upstream error", async () => {
    let status = 400;
    const model = await serve((_req, res) => {
      if (status === 200) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end("<html>not json</html>");
        return;
      }
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "This model's maximum context length is 1000 tokens." } }));
    });
    const attempt = () => upstreamProvider.completeChat(model, params, new AbortController().signal);

    await expect(attempt()).rejects.toMatchObject({ code: "invalid_request", message: "This model's maximum context length is 1000 tokens." });
    status = 500;
    await expect(attempt()).rejects.toMatchObject({ code: "upstream_error" });
    status = 429;
    await expect(attempt()).rejects.toMatchObject({ code: "upstream_unavailable" });
    status = 200;
    await expect(attempt()).rejects.toBeInstanceOf(DomainError);
  });

  it("stops reading and closes the connection when the caller aborts mid-stream", async () => {
    let closed = false;
    const model = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const timer = setInterval(() => res.write('data: {"choices":[{"delta":{"content":"x"},"finish_reason":null}]}\n\n'), 20);
      res.on("close", () => {
        closed = true;
        clearInterval(timer);
      });
    });
    const controller = new AbortController();
    const stream = upstreamProvider.streamChat(model, params, controller.signal);

    expect((await stream.next()).value).toBe("x");
    controller.abort();

    await expect(collect(stream)).rejects.toBeInstanceOf(InferenceAbortedError);
    await expect.poll(() => closed).toBe(true);
  });
});
