// The registry as a deployment configures it: a seeded production model becomes servable when
// MODEL_UPSTREAMS names its inference server, with the upstream's key from the variable its row
// names; and the gateway core serves the playground (no API key) exactly like the API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatCompletion, type GenerationChunkBody } from "@/lib/inference/generation";
import { listAvailableModels, listModels } from "@/lib/inference/registry";
import { db } from "@/lib/db";
import { startUpstreamServer, upstreamText, type UpstreamServer } from "../support/upstream-server";
import { deltaContent, expectSettledBooks, fundedUser } from "../support/v1-fixtures";

const LLAMA = "meta-llama/Llama-3.1-8B-Instruct";
let upstream: UpstreamServer;

beforeAll(async () => {
  upstream = await startUpstreamServer();
  // Read by lib/env.ts on first use, which is after this (nothing in this worker touched it yet).
  process.env.MODEL_UPSTREAMS = JSON.stringify({ [LLAMA]: upstream.baseUrl });
  process.env.UPSTREAM_API_KEY = "sk-upstream-secret";
});

afterAll(async () => {
  await upstream?.close();
});

describe("the model registry", () => {
  it("serves a seeded model once MODEL_UPSTREAMS points it at a server, and only then", async () => {
    const all = await listModels();
    const available = (await listAvailableModels()).map((m) => m.id);

    expect(all.map((m) => m.id)).toEqual(
      expect.arrayContaining([
        LLAMA,
        "meta-llama/Llama-3.3-70B-Instruct",
        "flux-1-schnell",
        "large-v3",
        "ecolink/tiny-chat",
        "ecolink/pattern",
        "pocketsphinx/en-us",
      ]),
    );
    expect(available).toContain(LLAMA);
    expect(available).not.toContain("meta-llama/Llama-3.3-70B-Instruct");
    expect(all.find((m) => m.id === "large-v3")!.availability).toEqual({ available: false, reason: "No inference server is configured for it." });
    expect(all.find((m) => m.id === "ecolink/tiny-chat")).toMatchObject({ provider: "local", isDemo: true, contextLength: 256 });
  });

  it("runs a playground chat through the same core as the API: billed, logged as PLAYGROUND, upstream key attached", async () => {
    const user = await fundedUser("1.00");

    const result = await createChatCompletion(
      { userId: user.id, apiKeyId: null, source: "PLAYGROUND", keySpendLimited: false },
      { model: LLAMA, messages: [{ role: "user", content: "Hi" }], max_tokens: 4, stream: true, stream_options: { include_usage: true } },
    );

    expect(result.stream).toBe(true);
    const chunks: GenerationChunkBody[] = [];
    if (result.stream) for await (const event of result.events) chunks.push(event as GenerationChunkBody);
    expect(chunks.map(deltaContent).join("")).toBe(upstreamText(4));
    const sent = upstream.requests.at(-1)!;
    expect(sent.model).toBe(LLAMA);
    expect(sent.headers.authorization).toBe("Bearer sk-upstream-secret");
    const log = await db.requestLog.findUniqueOrThrow({ where: { id: result.requestId } });
    expect(log).toMatchObject({ source: "PLAYGROUND", apiKeyId: null, status: "SUCCEEDED", outputTokens: 4 });
    expect(chunks.at(-1)!.usage!.cost).toBeGreaterThan(0);
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n - log.cost);
  });

  it("cancels a playground stream whose consumer stops early, billing what was delivered", async () => {
    const user = await fundedUser("1.00");
    upstream.behave(LLAMA, { tokenDelayMs: 50 });

    const result = await createChatCompletion(
      { userId: user.id, apiKeyId: null, source: "PLAYGROUND", keySpendLimited: false },
      { model: LLAMA, messages: [{ role: "user", content: "Hi" }], max_tokens: 100, stream: true },
    );
    if (!result.stream) throw new Error("expected a stream");
    let contentChunks = 0;
    for await (const event of result.events) {
      if (deltaContent(event)) contentChunks += 1;
      if (contentChunks === 3) break;
    }

    const log = await db.requestLog.findUniqueOrThrow({ where: { id: result.requestId } });
    expect(log).toMatchObject({ status: "CANCELLED", outputTokens: 3 });
    await upstream.waitForEnded(LLAMA, 2);
    expect(upstream.requestsFor(LLAMA).at(-1)).toMatchObject({ aborted: true });
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n - log.cost);
  });
});
