import { describe, expect, it } from "vitest";
import { listLedgerLines, ledgerCsvRows } from "@/lib/billing/ledger-history";
import { recordCreditMovement } from "@/lib/credits/ledger";
import { usdToNanos } from "@/lib/credits/money";
import { reserveCredit, settleRequest } from "@/lib/credits/reservations";
import { db } from "@/lib/db";
import { createApiKey } from "@/lib/keys/api-keys";
import { getUsageSummary, PLAYGROUND_SERIES_ID } from "@/lib/usage/aggregates";
import { listRequestLog, parseRequestLogFilters, REQUEST_LOG_CSV_HEADER, requestLogCsvRows } from "@/lib/usage/request-log";
import { createUser } from "../support/factories";

const DAY = 86_400_000;

interface Traffic {
  model: string;
  key: string | null;
  status: "SUCCEEDED" | "FAILED" | "CANCELLED";
  cost: bigint;
  inputTokens?: number;
  outputTokens?: number;
  images?: number;
  audioSeconds?: number;
  daysAgo: number;
}

/** Makes requests the way the gateway does (reserve, then settle), then backdates them to their day. */
async function makeRequests(userId: string, traffic: Traffic[]) {
  for (const t of traffic) {
    const reservation = await reserveCredit({
      userId,
      apiKeyId: t.key,
      modelId: t.model,
      endpoint: "chat.completions",
      source: t.key ? "API" : "PLAYGROUND",
      amount: t.cost + 1_000n,
    });
    await settleRequest(reservation, {
      status: t.status,
      cost: t.cost,
      inputTokens: t.inputTokens,
      outputTokens: t.outputTokens,
      images: t.images,
      audioSeconds: t.audioSeconds,
      latencyMs: 120,
      ttftMs: 40,
      httpStatus: t.status === "FAILED" ? 502 : 200,
    });
    if (t.daysAgo > 0) {
      const when = new Date(Date.now() - t.daysAgo * DAY);
      await db.requestLog.update({ where: { id: reservation.requestId }, data: { createdAt: when } });
      await db.ledgerEntry.updateMany({ where: { reference: `request:${reservation.requestId}` }, data: { createdAt: when } });
    }
  }
}

function sum<T>(items: T[], value: (item: T) => bigint): bigint {
  return items.reduce((total, item) => total + value(item), 0n);
}

describe("usage", () => {
  it("aggregates by day, model and key to exactly the request log's rows and the ledger's request charges", async () => {
    const user = await createUser("usage");
    await recordCreditMovement({ userId: user.id, kind: "ADJUSTMENT", amount: usdToNanos("50"), reference: `seed:${user.id}`, description: "Opening balance" });
    const { apiKey: production } = await createApiKey(user.id, { name: "Production", expiresAt: null, spendLimit: null, rateLimitRpm: null });
    const { apiKey: staging } = await createApiKey(user.id, { name: "Staging", expiresAt: null, spendLimit: null, rateLimitRpm: null });
    const chat = "meta-llama/Llama-3.1-8B-Instruct";
    await makeRequests(user.id, [
      ...Array.from(
        { length: 12 },
        (_, i): Traffic => ({
          model: chat,
          key: production.id,
          status: "SUCCEEDED",
          cost: 1_234n + BigInt(i),
          inputTokens: 50 + i,
          outputTokens: 20,
          daysAgo: i % 3,
        }),
      ),
      ...Array.from(
        { length: 4 },
        (_, i): Traffic => ({ model: "flux-1-schnell", key: staging.id, status: "SUCCEEDED", cost: usdToNanos("0.003"), images: 1 + i, daysAgo: 5 }),
      ),
      { model: "large-v3", key: null, status: "SUCCEEDED", cost: usdToNanos("0.0045"), audioSeconds: 90, daysAgo: 0 },
      { model: chat, key: staging.id, status: "FAILED", cost: usdToNanos("0.5"), inputTokens: 10, daysAgo: 1 },
      { model: chat, key: production.id, status: "CANCELLED", cost: 777n, inputTokens: 5, outputTokens: 2, daysAgo: 0 },
      // Outside the last 30 days, inside the last 90.
      { model: chat, key: production.id, status: "SUCCEEDED", cost: 999_999n, inputTokens: 1, outputTokens: 1, daysAgo: 40 },
    ]);

    const summary = await getUsageSummary(user.id, 30);
    const since = new Date(`${summary.days[0]}T00:00:00.000Z`);
    const log = await db.requestLog.findMany({ where: { userId: user.id, createdAt: { gte: since } } });
    const charges = await db.ledgerEntry.findMany({ where: { userId: user.id, kind: "REQUEST_CHARGE", createdAt: { gte: since } } });

    expect(summary.days).toHaveLength(30);
    expect(log).toHaveLength(19);
    expect(summary.totals).toEqual({
      requests: log.length,
      spend: sum(log, (r) => r.cost),
      inputTokens: sum(log, (r) => BigInt(r.inputTokens)),
      outputTokens: sum(log, (r) => BigInt(r.outputTokens)),
      images: sum(log, (r) => BigInt(r.images)),
      audioSeconds: 90,
    });
    // What was charged is what the log says was spent; the failed request cost nothing.
    expect(summary.totals.spend).toBe(-sum(charges, (c) => c.amount));
    expect(summary.totals.spend).toBe(
      sum(
        Array.from({ length: 12 }, (_, i) => 1_234n + BigInt(i)),
        (c) => c,
      ) +
        4n * usdToNanos("0.003") +
        usdToNanos("0.0045") +
        777n,
    );

    for (const [series, field] of [
      [summary.byModel, "modelId"],
      [summary.byKey, "apiKeyId"],
    ] as const) {
      for (const entry of series) {
        const rows = log.filter((r) => (r[field] ?? PLAYGROUND_SERIES_ID) === entry.id);
        expect(entry.totals).toEqual({ requests: rows.length, spend: sum(rows, (r) => r.cost) });
        summary.days.forEach((day, i) => {
          const onDay = rows.filter((r) => r.createdAt.toISOString().startsWith(day));
          expect(entry.days[i]).toEqual({ requests: onDay.length, spend: sum(onDay, (r) => r.cost) });
        });
      }
    }
    expect(summary.byModel.map((s) => s.label)).toEqual(expect.arrayContaining(["Llama 3.1 8B Instruct", "FLUX.1 [schnell]"]));
    expect(summary.byKey.map((s) => s.label).sort()).toEqual(["Playground (no key)", "Production", "Staging"]);

    const quarter = await getUsageSummary(user.id, 90);
    expect(quarter.totals.requests).toBe(20);
    expect(quarter.totals.spend).toBe(summary.totals.spend + 999_999n);
  });

  it("filters and pages the request log on the server, and exports the filtered rows exactly", async () => {
    const user = await createUser("log");
    await recordCreditMovement({ userId: user.id, kind: "ADJUSTMENT", amount: usdToNanos("5"), reference: `seed:${user.id}`, description: "Opening balance" });
    const { apiKey } = await createApiKey(user.id, { name: '=HYPERLINK("x")', expiresAt: null, spendLimit: null, rateLimitRpm: null });
    const model = "meta-llama/Llama-3.1-8B-Instruct";
    await makeRequests(user.id, [
      ...Array.from({ length: 7 }, (): Traffic => ({ model, key: apiKey.id, status: "SUCCEEDED", cost: 123n, inputTokens: 3, outputTokens: 4, daysAgo: 0 })),
      ...Array.from({ length: 3 }, (): Traffic => ({ model, key: apiKey.id, status: "FAILED", cost: 0n, daysAgo: 2 })),
      { model: "flux-1-schnell", key: null, status: "SUCCEEDED", cost: usdToNanos("0.003"), images: 1, daysAgo: 0 },
    ]);

    const succeeded = parseRequestLogFilters(new URLSearchParams({ model, status: "succeeded", page: "2" }));
    const page = await listRequestLog(user.id, succeeded, 5);
    expect(page).toMatchObject({ total: 7, page: 2, pageCount: 2 });
    expect(page.rows).toHaveLength(2);
    expect(page.rows.every((r) => r.status === "SUCCEEDED" && r.apiKey?.name === apiKey.name)).toBe(true);

    const twoDaysAgo = new Date(Date.now() - 2 * DAY).toISOString().slice(0, 10);
    expect((await listRequestLog(user.id, parseRequestLogFilters({ from: twoDaysAgo, to: twoDaysAgo }))).total).toBe(3);
    expect((await listRequestLog(user.id, parseRequestLogFilters({ key: "none" }))).rows.map((r) => r.modelId)).toEqual(["flux-1-schnell"]);
    // Filters that don't parse are dropped rather than failing the page.
    expect(parseRequestLogFilters({ status: "exploded", from: "yesterday", page: "-3" })).toEqual({
      model: undefined,
      key: undefined,
      status: undefined,
      from: undefined,
      to: undefined,
      page: undefined,
    });

    const exported = [];
    for await (const row of requestLogCsvRows(user.id, parseRequestLogFilters({ model }), 4)) exported.push(row);
    expect(exported).toHaveLength(10);
    const cost = REQUEST_LOG_CSV_HEADER.indexOf("cost_usd");
    expect(exported.reduce((total, row) => total + usdToNanos(String(row[cost])), 0n)).toBe(7n * 123n);
    expect(exported[0]![cost]).toBe("0.000000123");
  });

  it("shows the ledger with request charges grouped per day and a running balance, and exports every movement", async () => {
    const user = await createUser("ledger");
    await recordCreditMovement({
      userId: user.id,
      kind: "SIGNUP_CREDIT",
      amount: usdToNanos("1"),
      reference: `signup:${user.id}`,
      description: "Sign-up credit",
    });
    const model = "meta-llama/Llama-3.1-8B-Instruct";
    await makeRequests(
      user.id,
      Array.from({ length: 5 }, (): Traffic => ({ model, key: null, status: "SUCCEEDED", cost: usdToNanos("0.01"), daysAgo: 0 })),
    );
    await recordCreditMovement({ userId: user.id, kind: "TOP_UP", amount: usdToNanos("10"), reference: `test-top-up:${user.id}`, description: "Top-up" });
    await makeRequests(
      user.id,
      Array.from({ length: 3 }, (): Traffic => ({ model, key: null, status: "SUCCEEDED", cost: usdToNanos("0.02"), daysAgo: 0 })),
    );

    const { lines } = await listLedgerLines(user.id);

    expect(lines.map((l) => [l.kind, l.count, l.amount, l.balanceAfter])).toEqual([
      ["REQUEST_CHARGE", 3, -usdToNanos("0.06"), usdToNanos("10.89")],
      ["TOP_UP", 1, usdToNanos("10"), usdToNanos("10.95")],
      ["REQUEST_CHARGE", 5, -usdToNanos("0.05"), usdToNanos("0.95")],
      ["SIGNUP_CREDIT", 1, usdToNanos("1"), usdToNanos("1")],
    ]);
    expect(lines[0]!.description).toBe("3 requests");

    const exported = [];
    for await (const row of ledgerCsvRows(user.id, 3)) exported.push(row);
    expect(exported).toHaveLength(10);
    expect(exported.map((row) => row[3])).toEqual(["1.000000000", ...Array(5).fill("-0.010000000"), "10.000000000", ...Array(3).fill("-0.020000000")]);
    expect(exported.at(-1)![4]).toBe("10.890000000");
  });
});
