// The upstream provider against raw loopback servers that frame their answers awkwardly, the way
// real inference servers sometimes do: CRLF line ends, events split across TCP writes, comments,
// and fields we never asked for.
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { DomainError } from "@/lib/errors";
import type { RegisteredModel } from "@/lib/inference/registry";
import { upstreamProvider } from "@/lib/inference/providers/upstream";
import { type GenerationChunk, type GenerationRequest, InferenceAbortedError } from "@/lib/inference/providers/types";
import { capabilitiesSchema } from "@/lib/inference/capabilities";

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
    prices: { inputPerMillion: 0n, outputPerMillion: 0n, perImage: new Map(), perAudioMinute: 0n, perMillionCharacters: 0n },
    capabilities: capabilitiesSchema.parse({ tools: true }),
    provider: "upstream",
    upstream: {
      endpoints: [
        { name: "acme", baseUrl: `http://127.0.0.1:${port}/v1`, upstreamModel: "acme-7b", apiKey: "sk-upstream", weight: 1, maxConcurrent: Infinity },
      ],
    },
    local: null,
    isDemo: false,
    createdAt: new Date(),
    availability: { available: true },
  };
}

const body = { model: "acme/model", messages: [{ role: "user", content: "Hi" }], max_tokens: 5, top_k: 3 };

function generation(stream: boolean): GenerationRequest {
  return { kind: "chat", body: { ...body, stream }, stream, params: { messages: [{ role: "user", content: "Hi" }], maxTokens: 5 } };
}

async function collect(stream: AsyncGenerator<GenerationChunk, unknown>): Promise<{ chunks: GenerationChunk[]; end: unknown }> {
  const chunks: GenerationChunk[] = [];
  for (;;) {
    const step = await stream.next();
    if (step.done) return { chunks, end: step.value };
    chunks.push(step.value);
  }
}

const contentOf = (chunks: GenerationChunk[]) => chunks.map((chunk) => (chunk.choices[0]?.delta as { content?: string } | undefined)?.content ?? "").join("");

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

    const { chunks, end } = await collect(upstreamProvider.streamGeneration(model, generation(true), new AbortController().signal));

    expect(contentOf(chunks)).toBe("Hello ✓");
    // A token per chunk that carries output; the role and finish chunks carry none.
    expect(chunks.map((chunk) => chunk.tokens)).toEqual([0, 1, 1, 0]);
    expect(chunks.at(-1)!.choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: "length" });
    expect(end).toEqual({ usage: { promptTokens: 9, completionTokens: 2 } });
    expect(received!.headers.authorization).toBe("Bearer sk-upstream");
    expect(received!.body).toEqual({ ...body, model: "acme-7b", stream: true, stream_options: { include_usage: true } });
  });

  it("keeps the last event of a stream that ends without its blank line (no [DONE])", async () => {
    const model = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(
        'data: {"choices":[{"delta":{"content":"Hi"},"finish_reason":"stop"}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":1}}',
      );
    });

    const { chunks, end } = await collect(upstreamProvider.streamGeneration(model, generation(true), new AbortController().signal));

    expect(contentOf(chunks)).toBe("Hi");
    expect(chunks[0]!.choices[0]!.finish_reason).toBe("stop");
    expect(end).toEqual({ usage: { promptTokens: 4, completionTokens: 1 } });
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
    const attempt = () => upstreamProvider.completeGeneration(model, generation(false), new AbortController().signal);

    await expect(attempt()).rejects.toMatchObject({ code: "invalid_request", message: "This model's maximum context length is 1000 tokens." });
    status = 500;
    await expect(attempt()).rejects.toMatchObject({ code: "upstream_error" });
    status = 429;
    await expect(attempt()).rejects.toMatchObject({ code: "upstream_unavailable" });
    status = 200;
    await expect(attempt()).rejects.toBeInstanceOf(DomainError);
  });

  it("streams tool-call deltas as the server sends them, each a token", async () => {
    const model = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const call = (delta: object) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { tool_calls: [delta] }, finish_reason: null }] })}\n\n`;
      res.end(
        call({ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: "" } }) +
          call({ index: 0, function: { arguments: '{"city":' } }) +
          call({ index: 0, function: { arguments: '"Paris"}' } }) +
          'data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}\n\ndata: [DONE]\n\n',
      );
    });
    const { chunks, end } = await collect(upstreamProvider.streamGeneration(model, generation(true), new AbortController().signal));
    const args = chunks.flatMap((chunk) =>
      ((chunk.choices[0]!.delta as { tool_calls?: { function: { arguments?: string } }[] }).tool_calls ?? []).map((c) => c.function.arguments ?? ""),
    );
    expect(args.join("")).toBe('{"city":"Paris"}');
    expect(chunks.map((chunk) => chunk.tokens)).toEqual([1, 1, 1, 0]);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("tool_calls");
    expect(end).toEqual({ usage: null });
  });

  it("answers a plain completion with the server's choices, the schema's required fields filled in", async () => {
    const model = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          choices: [
            {
              index: 0,
              message: { role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] },
              finish_reason: "tool_calls",
            },
          ],
          usage: { prompt_tokens: 3, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 1 } },
        }),
      );
    });
    const output = await upstreamProvider.completeGeneration(model, generation(false), new AbortController().signal);
    expect(output.choices).toEqual([
      {
        index: 0,
        message: { role: "assistant", content: null, refusal: null, tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] },
        logprobs: null,
        finish_reason: "tool_calls",
      },
    ]);
    expect(output.usage).toEqual({ promptTokens: 3, completionTokens: 4, details: { prompt_tokens_details: { cached_tokens: 1 } } });
    expect(output.text).toBe("{}");
  });

  it("sends a request again on a new connection when the server closes the kept-alive one under it, and never one that failed on a new connection", async () => {
    const requestsOn = new Map<Socket, number>();
    let received = 0;
    let closeEvery = false;
    const model = await serve((req, res) => {
      received += 1;
      const seen = (requestsOn.get(req.socket) ?? 0) + 1;
      requestsOn.set(req.socket, seen);
      // A server that closes a kept-alive connection as the next request arrives on it (an idle
      // timeout racing the request), or every connection.
      if (seen > 1 || closeEvery) return void req.socket.destroy();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content: `answer ${received}` }, finish_reason: "stop" }] }));
    });
    const ask = async () => {
      const output = await upstreamProvider.completeGeneration(model, generation(false), new AbortController().signal);
      // The answered connection goes back to the pool, to be the next request's.
      await new Promise((resolve) => setImmediate(resolve));
      return output.text;
    };

    expect(await ask()).toBe("answer 1");
    // The second request goes out on the first one's connection, which the server closes: it is
    // sent again on a new one.
    expect(await ask()).toBe("answer 3");
    expect(requestsOn.size).toBe(2);

    closeEvery = true;
    received = 0;
    await expect(ask()).rejects.toMatchObject({ code: "upstream_error" });
    // Once on the kept-alive connection, once on a new one, whose failure is the server's.
    expect(received).toBe(2);
  });

  it("sends a request again when the spare connection it took had been closed by the server while it waited", async () => {
    const acceptedAt = new Map<Socket, number>();
    const held: ServerResponse[] = [];
    let closed = 0;
    const model = await serve((req, res) => {
      if (held.length === 0) return void held.push(res);
      // A server that closes connections idle for 50 ms, as the next request arrives on one.
      if (performance.now() - acceptedAt.get(req.socket)! > 50) {
        closed += 1;
        return void req.socket.destroy();
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content: "answered" }, finish_reason: "stop" }] }));
    });
    server!.on("connection", (socket: Socket) => acceptedAt.set(socket, performance.now()));
    // The first request is held, keeping its connection busy: the next one takes the spare opened beside it.
    const busy = new AbortController();
    void upstreamProvider.completeGeneration(model, generation(false), busy.signal).catch(() => undefined);
    await expect.poll(() => held.length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const output = await upstreamProvider.completeGeneration(model, generation(false), new AbortController().signal);
    expect(output.text).toBe("answered");
    expect(closed).toBe(1);
    busy.abort();
  });

  it("closes an idle connection before the server does, as soon as its Keep-Alive header asks", async () => {
    let closedAfterMs: number | null = null;
    const model = await serve((req, res) => {
      res.writeHead(200, { "content-type": "application/json", "keep-alive": "timeout=2" });
      res.end(JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }] }));
      const answeredAt = performance.now();
      req.socket.once("close", () => (closedAfterMs = performance.now() - answeredAt));
    });
    server!.keepAliveTimeout = 10_000;
    await upstreamProvider.completeGeneration(model, generation(false), new AbortController().signal);

    // Node closes it a second before the server's 2 s; the server itself would wait 10 s.
    await expect.poll(() => closedAfterMs, { timeout: 5_000 }).not.toBeNull();
    expect(closedAfterMs).toBeLessThan(2_000);
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
    const stream = upstreamProvider.streamGeneration(model, generation(true), controller.signal);

    expect(contentOf([(await stream.next()).value as GenerationChunk])).toBe("x");
    controller.abort();

    await expect(collect(stream)).rejects.toBeInstanceOf(InferenceAbortedError);
    await expect.poll(() => closed).toBe(true);
  });
});
