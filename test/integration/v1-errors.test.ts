// What /v1 answers when the request is wrong: every mistake is a clean 4xx in OpenAI's error shape
// naming the parameter, never a 500, never a charge and never a call to the upstream; keys are
// checked on every request and rate limits come with the headers clients back off by.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { recordCreditMovement } from "@/lib/credits/ledger";
import { revokeApiKey } from "@/lib/keys/api-keys";
import { assertOpenAIShape } from "../support/openapi-validator";
import { uploadBeforeReading } from "../support/upload-before-reading";
import { startUpstreamServer, type UpstreamServer } from "../support/upstream-server";
import { appUrl, bearer, expectSettledBooks, fundedUser, newApiKey, postJson, registerUpstreamModel, type TestModel } from "../support/v1-fixtures";

let upstream: UpstreamServer;
let chatModel: TestModel;
let imageModel: TestModel;

beforeAll(async () => {
  upstream = await startUpstreamServer();
  chatModel = await registerUpstreamModel(upstream, "CHAT", {}, 1000);
  imageModel = await registerUpstreamModel(upstream, "IMAGE");
});

afterAll(async () => {
  await upstream?.close();
});

interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

async function expectErrorBody(response: Response, status: number): Promise<OpenAIErrorBody["error"]> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/application\/json/);
  const body = JSON.parse(text) as OpenAIErrorBody;
  assertOpenAIShape("ErrorResponse", body);
  return body.error;
}

async function expectError(response: Response, status: number, expected: Partial<OpenAIErrorBody["error"]>): Promise<OpenAIErrorBody["error"]> {
  expect(response.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
  const error = await expectErrorBody(response, status);
  expect(error).toMatchObject(expected);
  expect(error.message).not.toMatch(/\n\s+at /);
  return error;
}

describe("/v1 input errors", () => {
  it("turns malformed, mistyped, unknown, unsupported and oversized requests into 4xx errors that name the parameter, costing nothing", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const valid = { model: chatModel.id, messages: [{ role: "user", content: "Hi" }] };
    const callsBefore = upstream.requestsFor(chatModel.upstreamModel).length;

    await expectError(await postJson("/v1/chat/completions", key.secret, '{"model": "x", "messages": ['), 400, { type: "invalid_request_error", param: null });
    await expectError(await postJson("/v1/chat/completions", key.secret, ""), 400, { type: "invalid_request_error" });
    await expectError(await postJson("/v1/chat/completions", key.secret, "[1, 2]"), 400, { type: "invalid_request_error" });
    await expectError(await postJson("/v1/chat/completions", key.secret, { ...valid, temperature: "hot" }), 400, { param: "temperature" });
    await expectError(await postJson("/v1/chat/completions", key.secret, { ...valid, temperature: 3 }), 400, { param: "temperature" });
    await expectError(await postJson("/v1/chat/completions", key.secret, { ...valid, messages: [] }), 400, { param: "messages" });
    await expectError(await postJson("/v1/chat/completions", key.secret, { model: chatModel.id }), 400, {
      param: "messages",
      message: "Missing required parameter: 'messages'.",
    });
    await expectError(await postJson("/v1/chat/completions", key.secret, { ...valid, messages: [{ role: "wizard", content: "Hi" }] }), 400, {
      param: "messages[0].role",
    });
    await expectError(
      await postJson("/v1/chat/completions", key.secret, {
        ...valid,
        messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x.test/a.png" } }] }],
      }),
      400,
      {
        param: "messages[0].content[0]",
      },
    );
    await expectError(await postJson("/v1/chat/completions", key.secret, { ...valid, n: 2 }), 400, { param: "n" });
    await expectError(await postJson("/v1/chat/completions", key.secret, { ...valid, tools: [{ type: "function", function: { name: "f" } }] }), 400, {
      param: "tools",
    });
    await expectError(await postJson("/v1/chat/completions", key.secret, { ...valid, response_format: { type: "json_object" } }), 400, {
      param: "response_format",
    });
    await expectError(await postJson("/v1/chat/completions", key.secret, { ...valid, stop: ["a", "b", "c", "d", "e"] }), 400, { param: "stop" });
    await expectError(await postJson("/v1/chat/completions", key.secret, { ...valid, stream_options: { include_usage: true } }), 400, {
      param: "stream_options",
    });
    await expectError(await postJson("/v1/chat/completions", key.secret, { ...valid, max_tokens: 5000 }), 400, { param: "max_tokens" });
    await expectError(await postJson("/v1/chat/completions", key.secret, { ...valid, model: "no-such/model" }), 404, {
      code: "model_not_found",
      param: "model",
    });
    await expectError(await postJson("/v1/chat/completions", key.secret, { ...valid, model: imageModel.id }), 400, { param: "model" });
    await expectError(await postJson("/v1/chat/completions", key.secret, JSON.stringify(valid), { headers: { "content-type": "text/plain" } }), 415, {
      code: "unsupported_media_type",
    });
    const huge = { ...valid, messages: [{ role: "user", content: "x".repeat(5 * 1024 * 1024) }] };
    await expectError(await postJson("/v1/chat/completions", key.secret, huge), 413, { code: "payload_too_large" });

    // Optional fields OpenAI documents and clients send by default are accepted, null or off.
    const tolerant = await postJson("/v1/chat/completions", key.secret, {
      ...valid,
      n: 1,
      logprobs: false,
      tools: [],
      tool_choice: "none",
      response_format: { type: "text" },
      max_tokens: null,
      temperature: null,
      metadata: { team: "a" },
      store: false,
      user: "u-1",
      parallel_tool_calls: true,
      // vLLM's own sampling fields pass through to the upstream.
      top_k: 40,
    });
    expect(tolerant.status, await tolerant.clone().text()).toBe(200);
    expect(upstream.requestsFor(chatModel.upstreamModel).at(-1)!.body).toMatchObject({ top_k: 40, metadata: { team: "a" } });

    expect(upstream.requestsFor(chatModel.upstreamModel).length).toBe(callsBefore + 1);
    // One request got as far as a hold; the refused ones are logged at no cost.
    expect(await db.requestLog.count({ where: { userId: user.id, reserved: { gt: 0 } } })).toBe(1);
    await expect.poll(() => db.requestLog.count({ where: { userId: user.id, status: "FAILED", cost: 0 } })).toBe(19);
  });

  it("lets a client that sends its whole body before reading the answer read its 413, however large the body", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    // Past 64 MB the body used to be dropped mid-way, the connection reset under the client's
    // writes. Chunked, so that nothing is refused before the body has passed the limit.
    const answer = await uploadBeforeReading(`${appUrl()}/v1/chat/completions`, {
      total: 100 * 1024 * 1024,
      chunked: true,
      headers: [`Authorization: Bearer ${key.secret}`, "Content-Type: application/json"],
    });
    expect(answer.error).toBeUndefined();
    const [head, body] = answer.text.split("\r\n\r\n");
    expect(head).toMatch(/^HTTP\/1\.1 413 /);
    expect(head).toMatch(/\r\nconnection: close(\r\n|$)/i);
    const { error } = JSON.parse(body!) as OpenAIErrorBody;
    assertOpenAIShape("ErrorResponse", { error });
    expect(error).toMatchObject({ code: "payload_too_large", message: expect.stringContaining("4 MB") });
  });

  it("answers paths it does not serve with OpenAI's JSON 404, and a wrong method with 405 and Allow", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const client = new OpenAI({ baseURL: `${appUrl()}/v1`, apiKey: key.secret, maxRetries: 0 });

    const error = await expectErrorBody(await postJson("/v1/files", key.secret, { purpose: "batch" }), 404);
    expect(error.message).toMatch(/^Invalid URL \(POST \/v1\/files\)/);
    await expect(client.files.list()).rejects.toBeInstanceOf(OpenAI.NotFoundError);

    const wrongMethod = await fetch(`${appUrl()}/v1/chat/completions`, { headers: bearer(key.secret) });
    expect(wrongMethod.headers.get("allow")).toBe("POST");
    expect((await expectErrorBody(wrongMethod, 405)).code).toBe("method_not_allowed");
    const deleteModels = await fetch(`${appUrl()}/v1/models`, { method: "DELETE", headers: bearer(key.secret) });
    expect(deleteModels.headers.get("allow")).toBe("GET");
    await expectErrorBody(deleteModels, 405);
  });

  it("logs every request a key makes, refused ones included, at no cost and with their error code", async () => {
    const user = await fundedUser("0.000001");
    const key = await newApiKey(user.id, { rateLimitRpm: 6 });
    const body = { model: chatModel.id, messages: [{ role: "user", content: "Hi" }] };
    const statusOf = async (response: Response) => {
      await response.arrayBuffer();
      return { status: response.status, id: response.headers.get("x-request-id")! };
    };

    const refused = [
      await statusOf(await postJson("/v1/chat/completions", key.secret, { ...body, temperature: 9 })),
      await statusOf(await postJson("/v1/chat/completions", key.secret, { ...body, model: "no-such/model" })),
      await statusOf(await postJson("/v1/chat/completions", key.secret, { ...body, max_tokens: 900 })),
      await statusOf(await postJson("/v1/chat/completions", key.secret, { ...body, messages: [{ role: "user", content: "x".repeat(5 * 1024 * 1024) }] })),
    ];
    await recordCreditMovement({
      userId: user.id,
      kind: "ADJUSTMENT",
      amount: 1_000_000_000n,
      reference: `test-funding-2:${user.id}`,
      description: "More test funding",
    });
    upstream.behave(chatModel.upstreamModel, { failWith: 500 });
    refused.push(await statusOf(await postJson("/v1/chat/completions", key.secret, body)));
    upstream.behave(chatModel.upstreamModel, { failWith: null });
    refused.push(await statusOf(await postJson("/v1/chat/completions", key.secret, body)));
    refused.push(await statusOf(await postJson("/v1/chat/completions", key.secret, body)));
    await revokeApiKey(user.id, key.id);
    refused.push(await statusOf(await postJson("/v1/chat/completions", key.secret, body)));
    expect(refused.map((r) => r.status)).toEqual([400, 404, 402, 413, 502, 200, 429, 401]);

    await expect.poll(() => db.requestLog.count({ where: { apiKeyId: key.id } })).toBe(8);
    const rows = await db.requestLog.findMany({ where: { id: { in: refused.map((r) => r.id) } } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    const logged = refused.map((r) => byId.get(r.id)!);
    expect(logged.map((row) => [row.httpStatus, row.errorCode, row.status])).toEqual([
      [400, "invalid_request", "FAILED"],
      [404, "model_not_found", "FAILED"],
      [402, "insufficient_quota", "FAILED"],
      [413, "payload_too_large", "FAILED"],
      [502, "upstream_error", "FAILED"],
      [200, null, "SUCCEEDED"],
      [429, "rate_limited", "FAILED"],
      [401, "unauthenticated", "FAILED"],
    ]);
    expect(logged.filter((row) => row.status === "FAILED").every((row) => row.cost === 0n)).toBe(true);
    expect(logged[1]!.modelId).toBe("no-such/model");
    expect(logged[3]!.modelId).toBeNull();
    expect(logged[0]!.modelId).toBe(chatModel.id);
    expect(await expectSettledBooks(user.id)).toBe(1_000_001_000n - logged[5]!.cost);
  });

  it("refuses requests without a valid key with 401, and a revoked key from the very next request on", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const body = { model: chatModel.id, messages: [{ role: "user", content: "Hi" }] };

    await expectError(await fetch(`${appUrl()}/v1/chat/completions`, { method: "POST", body: JSON.stringify(body) }), 401, { code: "invalid_api_key" });
    await expectError(await postJson("/v1/chat/completions", "eco_NotARealKeyNotARealKeyNotARealKey1234", body), 401, { code: "invalid_api_key" });
    expect((await postJson("/v1/chat/completions", key.secret, body)).status).toBe(200);

    await revokeApiKey(user.id, key.id);

    // A revoked key's malformed request is refused for the key, not for the body.
    const error = await expectError(await postJson("/v1/chat/completions", key.secret, { model: chatModel.id }), 401, { code: "invalid_api_key" });
    expect(error.message).toMatch(/has been revoked\. You can create a new one/);
    await expectError(await postJson("/v1/chat/completions", key.secret, body), 401, { code: "invalid_api_key", message: error.message });
    await expectError(await fetch(`${appUrl()}/v1/models`, { headers: bearer(key.secret) }), 401, { code: "invalid_api_key" });
    const client = new OpenAI({ baseURL: `${appUrl()}/v1`, apiKey: key.secret, maxRetries: 0 });
    await expect(client.chat.completions.create({ model: chatModel.id, messages: [{ role: "user", content: "Hi" }] })).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    await expect.poll(() => db.requestLog.count({ where: { apiKeyId: key.id, httpStatus: 401, cost: 0 } })).toBe(4);
    expect(await db.requestLog.count({ where: { apiKeyId: key.id, reserved: { gt: 0 } } })).toBe(1);
  });

  it("refuses a key from the moment it expires, on the next request", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const body = { model: chatModel.id, messages: [{ role: "user", content: "Hi" }] };
    expect((await postJson("/v1/chat/completions", key.secret, body)).status).toBe(200);

    await db.apiKey.update({ where: { id: key.id }, data: { expiresAt: new Date(Date.now() - 1000) } });

    const error = await expectError(await postJson("/v1/chat/completions", key.secret, { ...body, stream: true }), 401, { code: "invalid_api_key" });
    expect(error.message).toMatch(/expired on/);
    expect(await db.requestLog.count({ where: { apiKeyId: key.id, reserved: { gt: 0 } } })).toBe(1);
  });

  it("limits a key to its requests per minute with 429, Retry-After and x-ratelimit-* headers", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id, { rateLimitRpm: 3 });

    const allowed = [];
    for (let i = 0; i < 3; i++) allowed.push(await fetch(`${appUrl()}/v1/models`, { headers: bearer(key.secret) }));
    const limited = await postJson("/v1/chat/completions", key.secret, { model: chatModel.id, messages: [{ role: "user", content: "Hi" }] });

    expect(allowed.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(allowed.map((r) => r.headers.get("x-ratelimit-remaining-requests"))).toEqual(["2", "1", "0"]);
    expect(allowed[0]!.headers.get("x-ratelimit-limit-requests")).toBe("3");
    await expectError(limited.clone(), 429, { code: "rate_limit_exceeded", type: "requests" });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get("x-ratelimit-limit-requests")).toBe("3");
    expect(limited.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(limited.headers.get("x-ratelimit-reset-requests")).toMatch(/^(\d+m)?\d+s$/);
    const client = new OpenAI({ baseURL: `${appUrl()}/v1`, apiKey: key.secret, maxRetries: 0 });
    await expect(client.models.list()).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    await expect.poll(() => db.requestLog.count({ where: { userId: user.id, httpStatus: 429, cost: 0 } })).toBe(2);
    expect(await db.requestLog.count({ where: { userId: user.id, reserved: { gt: 0 } } })).toBe(0);
  });
});
