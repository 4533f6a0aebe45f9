// The money side of the gateway under pressure: concurrent requests never spend more than the
// balance (on one app instance or two), a client that hangs up mid-stream pays only for what was
// generated, and a request the upstream fails costs nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getBalance, recordCreditMovement } from "@/lib/credits/ledger";
import { perMillion } from "@/lib/credits/money";
import { db } from "@/lib/db";
import { PROMPT_TEMPLATE_TOKEN_BOUND } from "@/lib/inference/pricing";
import { freePort } from "../../scripts/lib/embedded-postgres";
import { assertOpenAIShape } from "../support/openapi-validator";
import { startAppInstance, type AppInstance } from "../support/stack";
import { startUpstreamServer, upstreamPromptTokens, type UpstreamServer } from "../support/upstream-server";
import {
  appUrl,
  deltaContent,
  eventually,
  expectSettledBooks,
  fundedUser,
  newApiKey,
  parseEventStream,
  postJson,
  registerUpstreamModel,
  requestLog,
  type TestModel,
} from "../support/v1-fixtures";

const TIMEOUT_MS = 1_500;

let upstream: UpstreamServer;
let second: AppInstance;

beforeAll(async () => {
  upstream = await startUpstreamServer();
  // A second app process on the same database; in dev mode it needs its own build directory.
  const ownBuild: Record<string, string> = process.env.TEST_APP_MODE === "dev" ? { NEXT_DIST_DIR: `${process.env.NEXT_DIST_DIR ?? ".next"}-second` } : {};
  second = await startAppInstance({ ...ownBuild, UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS) });
}, 300_000);

afterAll(async () => {
  await second?.stop();
  await upstream?.close();
});

/** A model whose prompt is free, so a request's hold is exactly its max_tokens × the output price. */
async function outputPricedModel(): Promise<TestModel> {
  return registerUpstreamModel(upstream, "CHAT", { inputPrice: 0n, outputPrice: 1_000_000_000n });
}

const MAX_TOKENS = 20;
const HOLD = perMillion(MAX_TOKENS, 1_000_000_000n);

async function chatRequest(origin: string, secret: string, model: TestModel): Promise<Response> {
  return fetch(`${origin}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: model.id, messages: [{ role: "user", content: "Spend it" }], max_tokens: MAX_TOKENS }),
  });
}

describe("concurrent requests", () => {
  it("lets exactly the 10 requests the balance covers through out of 200 at once; the rest get 402", async () => {
    const model = await outputPricedModel();
    // The upstream generates max_tokens every time, so every request costs exactly its hold.
    const user = await fundedUser(10n * HOLD);
    const key = await newApiKey(user.id);

    const responses = await Promise.all(Array.from({ length: 200 }, () => chatRequest(appUrl(), key.secret, model)));

    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 402)).toHaveLength(190);
    const refused = await responses
      .find((r) => r.status === 402)!
      .clone()
      .json();
    assertOpenAIShape("ErrorResponse", refused);
    expect(refused.error).toMatchObject({ type: "insufficient_quota", code: "insufficient_quota" });
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    expect(upstream.requestsFor(model.upstreamModel)).toHaveLength(10);
    expect(await expectSettledBooks(user.id)).toBe(0n);
    expect(await db.requestLog.count({ where: { userId: user.id, status: "SUCCEEDED", cost: HOLD } })).toBe(10);
  });

  it("never overspends when the requests are split across two app instances on one database", async () => {
    const model = await outputPricedModel();
    const user = await fundedUser(10n * HOLD);
    const key = await newApiKey(user.id);

    const responses = await Promise.all(Array.from({ length: 60 }, (_, i) => chatRequest(i % 2 ? second.url : appUrl(), key.secret, model)));

    const succeeded = responses.filter((r) => r.status === 200);
    expect(succeeded).toHaveLength(10);
    expect(responses.filter((r) => r.status === 402)).toHaveLength(50);
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    expect(await expectSettledBooks(user.id)).toBe(0n);
  });

  it.each([false, true])("lets clients that ask again the moment they have their answer spend what is left (stream: %s)", async (stream) => {
    // The hold (one token per prompt byte and the template's bound, the most a prompt can be) is
    // far above the real cost,
    // and each balance covers one and a half holds: only a released hold makes room for the next.
    const model = await registerUpstreamModel(upstream, "CHAT", { inputPrice: 1_000_000_000n, outputPrice: 0n });
    const prompt = "x".repeat(400);
    const hold = perMillion(PROMPT_TEMPLATE_TOKEN_BOUND + prompt.length, 1_000_000_000n);
    const cost = perMillion(upstreamPromptTokens([{ content: prompt }]), 1_000_000_000n);

    // Five clients at once, each with its own account, so that settlements land under some load.
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        const user = await fundedUser(hold + hold / 2n);
        const key = await newApiKey(user.id);
        const statuses = [];
        for (let i = 0; i < 20; i++) {
          const response = await postJson("/v1/chat/completions", key.secret, {
            model: model.id,
            messages: [{ role: "user", content: prompt }],
            max_tokens: 1,
            stream,
          });
          statuses.push(response.status);
          await response.arrayBuffer();
        }
        expect(statuses).toEqual(Array(20).fill(200));
        expect(await expectSettledBooks(user.id)).toBe(hold + hold / 2n - 20n * cost);
      }),
    );
  });

  it("refuses a request its key's spend limit cannot cover, even with balance to spare, and never calls the upstream for it", async () => {
    const model = await outputPricedModel();
    const user = await fundedUser("5.00");
    const key = await newApiKey(user.id, { spendLimit: 2n * HOLD + HOLD / 2n });

    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await chatRequest(appUrl(), key.secret, model)).status);

    expect(statuses).toEqual([200, 200, 402]);
    // The account's spare credit covered the third: the key's own limit is what refused it.
    expect(upstream.requestsFor(model.upstreamModel)).toHaveLength(2);
    expect(await expectSettledBooks(user.id)).toBe(5_000_000_000n - 2n * HOLD);
  });
});

describe("work started while the hold is written", () => {
  /**
   * Runs `during` while the account's CreditAccount row is locked, so that a request's reserve
   * statement waits on it: the hold is being written, and stays so, until `during` returns.
   */
  async function whileHoldWaits<T>(userId: string, during: () => Promise<T>): Promise<T> {
    return db.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT 1 FROM "CreditAccount" WHERE "userId" = ${userId} FOR UPDATE`;
        return during();
      },
      { timeout: 15_000 },
    );
  }

  /** The request's answer if it comes within `ms`, else null. */
  async function answerWithin(response: Promise<Response>, ms: number): Promise<Response | null> {
    return Promise.race([response, new Promise<null>((resolve) => setTimeout(() => resolve(null), ms))]);
  }

  it("calls the upstream of a key seen lately with credit while its hold waits, and answers only once the hold has committed", async () => {
    const model = await outputPricedModel();
    const user = await fundedUser("5.00");
    const key = await newApiKey(user.id);
    expect((await chatRequest(appUrl(), key.secret, model)).status).toBe(200);

    const answered = await whileHoldWaits(user.id, async () => {
      const response = chatRequest(appUrl(), key.secret, model);
      // The upstream answers in full while the hold is still waiting on the lock…
      await upstream.waitForEnded(model.upstreamModel, 2);
      // …and the caller hears nothing of it until the hold is written.
      expect(await answerWithin(response, 300)).toBeNull();
      expect(await db.requestLog.count({ where: { userId: user.id } })).toBe(1);
      // Wrapped: an async function would wait for a promise it returns, and so for the lock.
      return { response };
    });

    expect((await answered.response).status).toBe(200);
    expect(await expectSettledBooks(user.id)).toBe(5_000_000_000n - 2n * HOLD);
  });

  it("waits for the hold of a key it has not seen before calling the upstream", async () => {
    const model = await outputPricedModel();
    const user = await fundedUser("5.00");
    const key = await newApiKey(user.id);

    const answered = await whileHoldWaits(user.id, async () => {
      const response = chatRequest(appUrl(), key.secret, model);
      expect(await answerWithin(response, 300)).toBeNull();
      expect(upstream.requestsFor(model.upstreamModel)).toHaveLength(0);
      return { response };
    });

    expect((await answered.response).status).toBe(200);
    expect(upstream.requestsFor(model.upstreamModel)).toHaveLength(1);
    expect(await expectSettledBooks(user.id)).toBe(5_000_000_000n - HOLD);
  });

  it.each([false, true])("aborts the upstream call of a request whose hold is refused, charges nothing and frees its endpoint (stream: %s)", async (stream) => {
    const model = await outputPricedModel();
    // One request at a time on its one endpoint: a slot the refused request kept would stop the next.
    await db.model.update({
      where: { id: model.id },
      data: { providerConfig: { baseUrl: null, upstreamModel: model.upstreamModel, endpoints: [{ baseUrl: upstream.baseUrl, maxConcurrent: 1 }] } },
    });
    upstream.behave(model.upstreamModel, { tokenDelayMs: 100 });
    const user = await fundedUser("5.00");
    const key = await newApiKey(user.id);
    const ask = () =>
      postJson("/v1/chat/completions", key.secret, { model: model.id, messages: [{ role: "user", content: "Spend it" }], max_tokens: MAX_TOKENS, stream });
    const first = await ask();
    expect(first.status).toBe(200);
    await first.text();
    const left = await expectSettledBooks(user.id);

    // Spent elsewhere meanwhile (another instance, say): this process still remembers spare credit.
    await recordCreditMovement({ userId: user.id, kind: "ADJUSTMENT", amount: -left, reference: `test-drain:${user.id}`, description: "Test drain" });
    const refused = await ask();
    expect(refused.status).toBe(402);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("insufficient_quota");
    const [, abandoned] = await upstream.waitForEnded(model.upstreamModel, 2);
    expect(abandoned!.aborted).toBe(true);
    // Logged as refused, at no cost.
    await eventually(async () => expect(await db.requestLog.count({ where: { userId: user.id, status: "FAILED", cost: 0n } })).toBe(1));
    expect(await expectSettledBooks(user.id)).toBe(0n);

    await recordCreditMovement({
      userId: user.id,
      kind: "ADJUSTMENT",
      amount: 1_000_000_000n,
      reference: `test-refund:${user.id}`,
      description: "Test refund",
    });
    const after = await ask();
    expect(after.status).toBe(200);
    await after.text();
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n - HOLD);
  });
});

describe("a client that hangs up mid-stream", () => {
  it("aborts the upstream call and pays only for the tokens generated before it left", async () => {
    const model = await registerUpstreamModel(upstream, "CHAT", { inputPrice: 1_000_000_000n, outputPrice: 10_000_000_000n });
    upstream.behave(model.upstreamModel, { tokenDelayMs: 150 });
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const controller = new AbortController();

    const response = await postJson(
      "/v1/chat/completions",
      key.secret,
      { model: model.id, messages: [{ role: "user", content: "Tell me a long story" }], max_tokens: 200, stream: true },
      { signal: controller.signal },
    );
    const reader = response.body!.getReader();
    let received = "";
    while ((received.match(/"content":"[^"]+"/g) ?? []).length < 3) {
      const { value } = await reader.read();
      received += new TextDecoder().decode(value);
    }
    controller.abort();

    const [sent] = await upstream.waitForEnded(model.upstreamModel, 1);
    expect(sent!.aborted).toBe(true);
    expect(sent!.tokensSent).toBeLessThan(20);
    const log = await eventually(async () => {
      const row = await requestLog(response.headers.get("x-request-id"));
      expect(row.status).toBe("CANCELLED");
      return row;
    });
    expect(log.outputTokens).toBeGreaterThanOrEqual(3);
    expect(log.outputTokens).toBeLessThanOrEqual(sent!.tokensSent);
    expect(log.inputTokens).toBeGreaterThan(0);
    expect(log.cost).toBe(perMillion(log.inputTokens, 1_000_000_000n) + perMillion(log.outputTokens, 10_000_000_000n));
    expect(log.cost < log.reserved / 10n).toBe(true);
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n - log.cost);
  });
});

describe("upstream failures", () => {
  it("answers 502 for an upstream error, 503 when it is unreachable and 504 when it is too slow, and charges nothing", async () => {
    const failing = await registerUpstreamModel(upstream, "CHAT");
    upstream.behave(failing.upstreamModel, { failWith: 500 });
    const hanging = await registerUpstreamModel(upstream, "CHAT");
    upstream.behave(hanging.upstreamModel, { hang: true });
    const unreachable = await registerUpstreamModel({ baseUrl: `http://127.0.0.1:${await freePort()}/v1` }, "CHAT");
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const ask = (origin: string, model: TestModel, stream = false) =>
      fetch(`${origin}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key.secret}`, "content-type": "application/json" },
        body: JSON.stringify({ model: model.id, messages: [{ role: "user", content: "Hi" }], stream }),
      });

    const cases = [
      { response: await ask(appUrl(), failing), status: 502, code: "upstream_error" },
      { response: await ask(appUrl(), failing, true), status: 502, code: "upstream_error" },
      { response: await ask(appUrl(), unreachable), status: 503, code: "upstream_unavailable" },
      { response: await ask(second.url, hanging), status: 504, code: "upstream_timeout" },
      { response: await ask(second.url, hanging, true), status: 504, code: "upstream_timeout" },
    ];

    for (const { response, status, code } of cases) {
      const body = await response.json();
      expect(response.status, JSON.stringify(body)).toBe(status);
      assertOpenAIShape("ErrorResponse", body);
      expect(body.error).toMatchObject({ type: "server_error", code });
      expect(body.error.message).toMatch(/not charged/);
      const log = await requestLog(response.headers.get("x-request-id"));
      expect(log).toMatchObject({ status: "FAILED", cost: 0n, httpStatus: status, errorCode: code });
    }
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n);
    expect(await getBalance(user.id)).toMatchObject({ held: 0n });
  });

  it("ends a stream that fails midway with an error event instead of [DONE], and charges only what it delivered", async () => {
    const model = await registerUpstreamModel(upstream, "CHAT");
    upstream.behave(model.upstreamModel, { failAfterTokens: 2 });
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);

    const response = await postJson("/v1/chat/completions", key.secret, {
      model: model.id,
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: 10,
      stream: true,
    });

    expect(response.status).toBe(200);
    const { events, done } = parseEventStream(await response.text());
    expect(done).toBe(false);
    const last = events.at(-1)!;
    assertOpenAIShape("ErrorResponse", last);
    expect(last).toMatchObject({ error: { code: "upstream_error" } });
    for (const event of events.slice(0, -1)) assertOpenAIShape("CreateChatCompletionStreamResponse", event);
    const delivered = events.filter((event) => deltaContent(event)).length;
    expect(delivered).toBe(2);
    const log = await requestLog(response.headers.get("x-request-id"));
    // Counted here (the upstream never sent usage): the prompt with the tokenizer, the two tokens sent.
    expect(log).toMatchObject({ status: "FAILED", errorCode: "upstream_error", outputTokens: 2, usageCounted: true });
    expect(log.cost).toBe(perMillion(log.inputTokens, 200_000_000n) + perMillion(2, 600_000_000n));
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n - log.cost);
  });

  it("bills by counted tokens when the upstream reports no usage", async () => {
    const model = await registerUpstreamModel(upstream, "CHAT", { inputPrice: 0n, outputPrice: 1_000_000_000n });
    upstream.behave(model.upstreamModel, { omitUsage: true });
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);

    const response = await postJson("/v1/chat/completions", key.secret, {
      model: model.id,
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: 7,
      stream: true,
      stream_options: { include_usage: true },
    });

    const { events } = parseEventStream(await response.text());
    expect(events.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 7 } });
    expect(await requestLog(response.headers.get("x-request-id"))).toMatchObject({ status: "SUCCEEDED", outputTokens: 7, cost: perMillion(7, 1_000_000_000n) });
    await expectSettledBooks(user.id);
  });
});
