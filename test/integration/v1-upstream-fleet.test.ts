// Models served by pools of upstream servers, through a real production server of their own (so
// that its routing, circuit and metrics settings are short enough to watch, and its /metrics and
// log lines count only this file's requests): loopback upstreams that are killed for real
// (their port closed) and started again on the same port. Every charge is checked against the
// ledger; /metrics is parsed with a Prometheus text-format parser and checked against the request log.
import { randomUUID } from "node:crypto";
import parsePrometheusTextFormat, { type PrometheusFamily } from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { perMillion } from "@/lib/credits/money";
import { db } from "@/lib/db";
import { freePort } from "../../scripts/lib/embedded-postgres";
import { appEnvironment, startAppServer, type AppProcess } from "../support/stack";
import { startUpstreamServer, upstreamPromptTokens, upstreamText, type UpstreamServer } from "../support/upstream-server";
import { appUrl, bearer, deltaContent, eventually, expectSettledBooks, fundedUser, newApiKey, parseEventStream, requestLog } from "../support/v1-fixtures";

const METRICS_TOKEN = "test-metrics-token-fleet";
const COOLDOWN_MS = 20_000;
const PROMPT = "fleet-prompt-do-not-log please";
const INPUT_PRICE = 200_000_000n;
const OUTPUT_PRICE = 600_000_000n;
const PROMPT_TOKENS = upstreamPromptTokens([{ content: PROMPT }]);

function costOf(completionTokens: number): bigint {
  return perMillion(PROMPT_TOKENS, INPUT_PRICE) + perMillion(completionTokens, OUTPUT_PRICE);
}

let app: AppProcess;
const upstreams: UpstreamServer[] = [];
const models: string[] = [];

async function upstreamServer(port?: number): Promise<UpstreamServer> {
  const server = await startUpstreamServer({ port });
  upstreams.push(server);
  return server;
}

function portOf(server: UpstreamServer): number {
  return Number(new URL(server.baseUrl).port);
}

interface PoolEndpoint {
  server: UpstreamServer;
  name?: string;
  weight?: number;
  maxConcurrent?: number;
  apiKeyEnv?: string;
  /** The model's name on that server; the model's own by default. */
  upstreamModel?: string;
}

/** A chat model whose providerConfig lists a pool of endpoints, as prisma/models.json can. */
async function registerPool(endpoints: PoolEndpoint[]): Promise<{ id: string; upstreamModel: string }> {
  const suffix = randomUUID().slice(0, 8);
  const model = { id: `test-org/fleet-${suffix}`, upstreamModel: `loopback-fleet-${suffix}` };
  await db.model.create({
    data: {
      id: model.id,
      kind: "CHAT",
      displayName: `Fleet ${suffix}`,
      description: "A model served by a pool of loopback upstreams.",
      ownedBy: "test-org",
      contextLength: 4096,
      inputPrice: INPUT_PRICE,
      outputPrice: OUTPUT_PRICE,
      provider: "upstream",
      providerConfig: {
        baseUrl: null,
        upstreamModel: model.upstreamModel,
        endpoints: endpoints.map(({ server, ...rest }) => ({ baseUrl: server.baseUrl, ...rest })),
      },
    },
  });
  models.push(model.id);
  return model;
}

function chat(secret: string, model: string, extra: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${app.url}/v1/chat/completions`, {
    method: "POST",
    headers: { ...bearer(secret), "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: PROMPT }], ...extra }),
  });
}

async function okChat(secret: string, model: string): Promise<string> {
  const response = await chat(secret, model);
  expect(response.status, await response.clone().text()).toBe(200);
  const body = (await response.json()) as { choices: { message: { content: string } }[] };
  expect(body.choices[0]!.message.content).toBe(upstreamText(6));
  return response.headers.get("x-request-id")!;
}

async function scrape(token: string | null = METRICS_TOKEN, base = app.url): Promise<Response> {
  return fetch(`${base}/metrics`, { headers: token ? bearer(token) : {} });
}

/** A histogram's _count or _sum samples, with their labels as written: the parser drops a histogram's labels. */
function histogramSamples(text: string, family: string, part: "count" | "sum"): { labels: string; value: number }[] {
  return [...text.matchAll(new RegExp(`^${family}_${part}\\{([^}]*)\\} (\\S+)$`, "gm"))].map(([, labels, value]) => ({
    labels: labels!,
    value: Number(value),
  }));
}

function sampleSum(families: PrometheusFamily[], name: string, labels: Record<string, string>): number {
  const family = families.find((f) => f.name === name);
  return (family?.metrics ?? [])
    .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value))
    .reduce((sum, sample) => sum + Number(sample.value ?? sample.count ?? 0), 0);
}

beforeAll(async () => {
  const port = await freePort();
  const databaseUrl = process.env.DATABASE_URL!;
  app = await startAppServer(
    appEnvironment(
      { databaseUrl, port, smtpPort: Number(process.env.SMTP_PORT) },
      {
        METRICS_TOKEN,
        LOG_FORMAT: "json",
        UPSTREAM_TIMEOUT_MS: "1500",
        UPSTREAM_CIRCUIT_FAILURES: "2",
        UPSTREAM_CIRCUIT_COOLDOWN_MS: String(COOLDOWN_MS),
        UPSTREAM_PROBE_INTERVAL_MS: "200",
        UPSTREAM_QUEUE_TIMEOUT_MS: "2000",
        FLEET_KEY_A: "sk-fleet-a",
        FLEET_KEY_B: "sk-fleet-b",
      },
    ),
    port,
  );
});

afterAll(async () => {
  await app?.stop();
  await Promise.all(upstreams.map((server) => server.close().catch(() => undefined)));
});

describe("a model served by a pool of upstream endpoints", () => {
  it("spreads traffic by weight, each endpoint getting its own upstream model name and key", async () => {
    const [a, b] = [await upstreamServer(), await upstreamServer()];
    const model = await registerPool([
      { server: a, name: "gpu-a", weight: 3, upstreamModel: "fleet-a-name", apiKeyEnv: "FLEET_KEY_A" },
      { server: b, name: "gpu-b", weight: 1, upstreamModel: "fleet-b-name", apiKeyEnv: "FLEET_KEY_B" },
    ]);
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);

    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await okChat(key.secret, model.id));

    expect(a.requestsFor("fleet-a-name")).toHaveLength(6);
    expect(b.requestsFor("fleet-b-name")).toHaveLength(2);
    expect(a.requestsFor("fleet-a-name").every((r) => r.headers.authorization === "Bearer sk-fleet-a")).toBe(true);
    expect(b.requestsFor("fleet-b-name").every((r) => r.headers.authorization === "Bearer sk-fleet-b")).toBe(true);
    const logs = await Promise.all(ids.map((id) => requestLog(id)));
    expect(logs.filter((log) => log.upstreamEndpoint === "gpu-a")).toHaveLength(6);
    expect(logs.filter((log) => log.upstreamEndpoint === "gpu-b")).toHaveLength(2);
    expect(logs.every((log) => log.upstreamAttempts === 1 && log.cost === costOf(6))).toBe(true);
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n - 8n * costOf(6));
  });

  it("keeps answering when an endpoint dies (each request billed once), and takes it back once it answers again, before the cool-down", async () => {
    const a = await upstreamServer();
    let b = await upstreamServer();
    const model = await registerPool([{ server: a }, { server: b }]);
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    // Both endpoints serve, with kept-alive connections open to each.
    for (let i = 0; i < 2; i++) await okChat(key.secret, model.id);
    expect(b.requestsFor(model.upstreamModel)).toHaveLength(1);

    await b.close();
    const afterKill: string[] = [];
    for (let i = 0; i < 8; i++) afterKill.push(await okChat(key.secret, model.id));

    const logs = await Promise.all(afterKill.map((id) => requestLog(id)));
    const nameA = new URL(a.baseUrl).host;
    expect(logs.every((log) => log.status === "SUCCEEDED" && log.upstreamEndpoint === nameA && log.cost === costOf(6))).toBe(true);
    const retried = logs.filter((log) => log.upstreamAttempts === 2).length;
    // Retried until its circuit opened (2 failures), then left out of the pool.
    expect(retried).toBeGreaterThanOrEqual(1);
    expect(retried).toBeLessThanOrEqual(2);
    expect(logs.slice(-4).every((log) => log.upstreamAttempts === 1)).toBe(true);
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n - 10n * costOf(6));
    expect(await db.ledgerEntry.count({ where: { userId: user.id, kind: "REQUEST_CHARGE" } })).toBe(10);
    const open = parsePrometheusTextFormat(await (await scrape()).text());
    expect(sampleSum(open, "ecolink_upstream_circuit_state", { model: model.id, upstream: new URL(b.baseUrl).host })).toBe(2);

    b = await upstreamServer(portOf(b));
    const restartedAt = Date.now();
    while (b.requestsFor(model.upstreamModel).length === 0) {
      expect(Date.now() - restartedAt, "the endpoint did not rejoin within the cool-down").toBeLessThan(COOLDOWN_MS);
      await okChat(key.secret, model.id);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const closed = parsePrometheusTextFormat(await (await scrape()).text());
    expect(sampleSum(closed, "ecolink_upstream_circuit_state", { model: model.id, upstream: new URL(b.baseUrl).host })).toBe(0);
    await expectSettledBooks(user.id);
  });

  it("retries on another endpoint after a 502 or no answer within the timeout, and bills only the answer", async () => {
    const [a, b, c] = [await upstreamServer(), await upstreamServer(), await upstreamServer()];
    const failing = await registerPool([
      { server: a, name: "bad-gateway", weight: 100 },
      { server: b, name: "healthy" },
    ]);
    a.behave(failing.upstreamModel, { failWith: 502 });
    const hanging = await registerPool([
      { server: c, name: "hangs", weight: 100 },
      { server: b, name: "healthy" },
    ]);
    c.behave(hanging.upstreamModel, { hang: true });
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);

    const viaFailing = await requestLog(await okChat(key.secret, failing.id));
    const viaHanging = await requestLog(await okChat(key.secret, hanging.id));

    expect(viaFailing).toMatchObject({ status: "SUCCEEDED", upstreamAttempts: 2, upstreamEndpoint: "healthy", cost: costOf(6) });
    expect(viaHanging).toMatchObject({ status: "SUCCEEDED", upstreamAttempts: 2, upstreamEndpoint: "healthy", cost: costOf(6) });
    expect(a.requestsFor(failing.upstreamModel)).toHaveLength(1);
    // The attempt that timed out was abandoned: its connection closed, so the server stops.
    expect((await c.waitForEnded(hanging.upstreamModel, 1))[0]!.aborted).toBe(true);
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n - 2n * costOf(6));
  });

  it("never retries a stream an upstream cut midway: the client keeps what it got, with an error, and pays for that once", async () => {
    const [a, b] = [await upstreamServer(), await upstreamServer()];
    const model = await registerPool([
      { server: a, name: "cuts", weight: 100 },
      { server: b, name: "spare" },
    ]);
    a.behave(model.upstreamModel, { cutAfterTokens: 3, tokenDelayMs: 30 });
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);

    const response = await chat(key.secret, model.id, { max_tokens: 8, stream: true });

    expect(response.status).toBe(200);
    const text = await response.text();
    const { events, done } = parseEventStream(text);
    expect(done, text).toBe(false);
    const content = events.map(deltaContent).join("");
    expect(content).toBe(upstreamText(3));
    expect(events.at(-1)).toMatchObject({ error: { code: "upstream_error" } });
    expect(b.requestsFor(model.upstreamModel)).toHaveLength(0);
    expect(a.requestsFor(model.upstreamModel)).toHaveLength(1);
    const log = await requestLog(response.headers.get("x-request-id"));
    // Billed once, for the three tokens it delivered (counted: the cut stream sent no usage).
    expect(log).toMatchObject({ status: "FAILED", upstreamAttempts: 1, upstreamEndpoint: "cuts", outputTokens: 3, usageCounted: true });
    expect(log.cost).toBeGreaterThan(0n);
    expect(await db.ledgerEntry.count({ where: { userId: user.id, kind: "REQUEST_CHARGE" } })).toBe(1);
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n - log.cost);
  });

  it("never sends an endpoint more than its maxConcurrent: 3 endpoints × 2, 10 requests at once", async () => {
    const servers = [await upstreamServer(), await upstreamServer(), await upstreamServer()];
    const model = await registerPool(servers.map((server) => ({ server, maxConcurrent: 2 })));
    for (const server of servers) server.behave(model.upstreamModel, { tokenDelayMs: 60 });
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);

    const responses = await Promise.all(Array.from({ length: 10 }, () => chat(key.secret, model.id)));

    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    await Promise.all(responses.map((r) => r.text()));
    for (const server of servers) expect(server.peakConcurrency(model.upstreamModel)).toBeLessThanOrEqual(2);
    expect(Math.max(...servers.map((server) => server.peakConcurrency(model.upstreamModel)))).toBe(2);
    expect(servers.reduce((sum, server) => sum + server.requestsFor(model.upstreamModel).length, 0)).toBe(10);
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n - 10n * costOf(6));
  });

  it("answers 503 with Retry-After, at no cost, when every endpoint stays full past the queue timeout", async () => {
    const server = await upstreamServer();
    const model = await registerPool([{ server, maxConcurrent: 1 }]);
    // A stream of 4 s, each token well within the upstream timeout: it holds the only slot.
    server.behave(model.upstreamModel, { tokenDelayMs: 400 });
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);

    const first = chat(key.secret, model.id, { max_tokens: 10, stream: true });
    while (server.requestsFor(model.upstreamModel).length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await chat(key.secret, model.id);

    expect(second.status).toBe(503);
    expect(second.headers.get("retry-after")).toBe("1");
    expect(await second.json()).toMatchObject({ error: { code: "upstream_unavailable" } });
    expect(await requestLog(second.headers.get("x-request-id"))).toMatchObject({ status: "FAILED", cost: 0n, httpStatus: 503, upstreamAttempts: 0 });
    const streamed = await first;
    expect(streamed.status).toBe(200);
    expect(parseEventStream(await streamed.text()).done).toBe(true);
    expect(server.requestsFor(model.upstreamModel)).toHaveLength(1);
    await expectSettledBooks(user.id);
  });
});

describe("GET /metrics", () => {
  it("is a 404 where METRICS_TOKEN is unset, and needs the token where it is set", async () => {
    expect((await scrape(METRICS_TOKEN, appUrl())).status).toBe(404);
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape("wrong-token")).status).toBe(401);
    const response = await scrape();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it("parses as Prometheus text, and its counters match the request log of every request above", async () => {
    await eventually(async () => expect(await db.requestLog.count({ where: { modelId: { in: models }, status: "PENDING" } })).toBe(0));
    const text = await (await scrape()).text();
    const families = parsePrometheusTextFormat(text);
    const names = new Set(families.map((f) => f.name));
    for (const name of [
      "ecolink_requests_total",
      "ecolink_request_duration_seconds",
      "ecolink_time_to_first_token_seconds",
      "ecolink_tokens_total",
      "ecolink_requests_in_flight",
      "ecolink_credit_held_dollars",
      "ecolink_upstream_attempts_total",
      "ecolink_upstream_retries_total",
      "ecolink_upstream_circuit_state",
      "ecolink_upstream_outstanding_requests",
      "ecolink_db_pool_connections",
      "ecolink_account_writes",
      "ecolink_metering_write_duration_seconds",
      "nodejs_eventloop_lag_seconds",
    ]) {
      expect(names, name).toContain(name);
    }
    expect(sampleSum(families, "ecolink_requests_in_flight", {})).toBe(0);
    expect(sampleSum(families, "ecolink_credit_held_dollars", {})).toBe(0);
    expect(sampleSum(families, "ecolink_db_pool_connections", { state: "total" })).toBeGreaterThan(0);
    // Every request above settled: no statement of any account is running or waiting for its slot.
    expect(sampleSum(families, "ecolink_account_writes", {})).toBe(0);

    expect(models.length).toBeGreaterThan(0);
    for (const model of models) {
      const rows = await db.requestLog.findMany({ where: { modelId: model } });
      for (const status of new Set(rows.map((row) => String(row.httpStatus)))) {
        const logged = rows.filter((row) => String(row.httpStatus) === status).length;
        expect(sampleSum(families, "ecolink_requests_total", { model, status }), `${model} ${status}`).toBe(logged);
      }
      for (const upstream of new Set(rows.map((row) => row.upstreamEndpoint ?? "none"))) {
        const logged = rows.filter((row) => (row.upstreamEndpoint ?? "none") === upstream).length;
        expect(sampleSum(families, "ecolink_requests_total", { model, upstream }), `${model} ${upstream}`).toBe(logged);
      }
      expect(sampleSum(families, "ecolink_requests_total", { model })).toBe(rows.length);
      expect(sampleSum(families, "ecolink_upstream_attempts_total", { model })).toBe(rows.reduce((sum, row) => sum + row.upstreamAttempts, 0));
      // Every attempt but a request's last was followed by a retry.
      expect(sampleSum(families, "ecolink_upstream_retries_total", { model })).toBe(rows.reduce((sum, row) => sum + Math.max(row.upstreamAttempts - 1, 0), 0));
      expect(sampleSum(families, "ecolink_tokens_total", { model, direction: "input" })).toBe(rows.reduce((sum, row) => sum + row.inputTokens, 0));
      expect(sampleSum(families, "ecolink_tokens_total", { model, direction: "output" })).toBe(rows.reduce((sum, row) => sum + row.outputTokens, 0));
      const counted = histogramSamples(text, "ecolink_request_duration_seconds", "count")
        .filter((sample) => sample.labels.includes(`model="${model}"`))
        .reduce((sum, sample) => sum + sample.value, 0);
      expect(counted).toBe(rows.length);
    }
  });

  it("times every metering statement: a reserve and a settlement for each request sent alone, checkpoints as a stream delivers", async () => {
    const server = await upstreamServer();
    const model = await registerPool([{ server }]);
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const timed = async () => {
      const text = await (await scrape()).text();
      const read = (write: string, part: "count" | "sum") =>
        histogramSamples(text, "ecolink_metering_write_duration_seconds", part)
          .filter((sample) => sample.labels === `write="${write}"`)
          .reduce((sum, sample) => sum + sample.value, 0);
      return {
        reserves: read("reserve", "count"),
        settlements: read("settle", "count"),
        checkpoints: read("checkpoint", "count"),
        seconds: read("reserve", "sum") + read("settle", "sum"),
      };
    };
    const before = await timed();

    const ids = [await okChat(key.secret, model.id), await okChat(key.secret, model.id)];
    server.behave(model.upstreamModel, { tokenDelayMs: 20 });
    const streamed = await chat(key.secret, model.id, { max_tokens: 12, stream: true });
    expect(parseEventStream(await streamed.text()).done).toBe(true);
    ids.push(streamed.headers.get("x-request-id")!);
    await eventually(async () => expect(await db.requestLog.count({ where: { id: { in: ids }, status: "PENDING" } })).toBe(0));

    const after = await timed();
    expect(after.reserves - before.reserves).toBe(3);
    expect(after.settlements - before.settlements).toBe(3);
    // A stream of 12 tokens, 20 ms apart, records its delivery as it goes.
    expect(after.checkpoints).toBeGreaterThan(before.checkpoints);
    expect(after.seconds).toBeGreaterThan(before.seconds);
  });

  it("counts the requests refused before any key was known, by status", async () => {
    const refused = async () => sampleSum(parsePrometheusTextFormat(await (await scrape()).text()), "ecolink_requests_total", { model: "", status: "401" });
    const before = await refused();
    const noKey = await fetch(`${app.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    const wrongKey = await chat("sk-not-one-of-ours", models[0]!);
    expect([noKey.status, wrongKey.status]).toEqual([401, 401]);
    expect(await refused()).toBe(before + 2);
  });

  it("writes one JSON line per request, without keys or prompts", async () => {
    const rows = await db.requestLog.findMany({
      where: { modelId: { in: models } },
      select: { id: true, modelId: true, httpStatus: true, upstreamEndpoint: true, upstreamAttempts: true },
    });
    const lines = app
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === "request");
    for (const row of rows) {
      const logged = lines.filter((line) => line.requestId === row.id);
      expect(logged, row.id).toHaveLength(1);
      expect(logged[0]).toMatchObject({ model: row.modelId, httpStatus: row.httpStatus, upstream: row.upstreamEndpoint, attempts: row.upstreamAttempts });
      expect(logged[0]!.latencyMs).toEqual(expect.any(Number));
    }
    expect(app.output()).not.toContain(PROMPT);
    expect(app.output()).not.toContain("sk-fleet-a");
    expect(app.output()).not.toContain("eco_");
  });
});
