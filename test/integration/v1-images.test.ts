// POST /v1/images/generations through the loopback upstream: base64 PNGs for the OpenAI SDK,
// links that work without a key for an hour, prices by size × n, and clean refusals.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import OpenAI from "openai";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { assertOpenAIShape } from "../support/openapi-validator";
import { startUpstreamServer, type UpstreamServer } from "../support/upstream-server";
import { appUrl, expectSettledBooks, fundedUser, newApiKey, postJson, registerUpstreamModel, requestLog, type TestModel } from "../support/v1-fixtures";

const run = promisify(execFile);
// registerUpstreamModel's image prices: 256x256 at $0.001, 512x512 at $0.002.
const PRICE_256 = 1_000_000n;
const PRICE_512 = 2_000_000n;

let upstream: UpstreamServer;
let model: TestModel;

beforeAll(async () => {
  upstream = await startUpstreamServer();
  model = await registerUpstreamModel(upstream, "IMAGE");
});

afterAll(async () => {
  await upstream?.close();
});

describe("POST /v1/images/generations", () => {
  it("returns base64 PNGs of the requested size to the OpenAI SDK and charges the size's price per image", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const client = new OpenAI({ baseURL: `${appUrl()}/v1`, apiKey: key.secret, maxRetries: 0 });

    const result = await client.images.generate({ model: model.id, prompt: "a lighthouse at dusk", size: "256x256", n: 2, response_format: "b64_json" });

    assertOpenAIShape("ImagesResponse", result);
    expect(result.data).toHaveLength(2);
    for (const image of result.data ?? []) {
      const metadata = await sharp(Buffer.from(image.b64_json!, "base64")).metadata();
      expect(metadata).toMatchObject({ format: "png", width: 256, height: 256 });
    }
    expect(upstream.requestsFor(model.upstreamModel).at(-1)!.body).toMatchObject({
      model: model.upstreamModel,
      n: 2,
      size: "256x256",
      response_format: "b64_json",
    });
    const log = await db.requestLog.findFirstOrThrow({ where: { userId: user.id } });
    expect(log).toMatchObject({ status: "SUCCEEDED", images: 2, cost: 2n * PRICE_256, endpoint: "/v1/images/generations" });
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n - 2n * PRICE_256);
  });

  it("answers curl with a link (the default format) that serves the PNG without a key until it expires", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);

    const { stdout } = await run("curl", [
      "-sS",
      `${appUrl()}/v1/images/generations`,
      "-H",
      `Authorization: Bearer ${key.secret}`,
      "-H",
      "Content-Type: application/json",
      "-d",
      JSON.stringify({ model: model.id, prompt: "a red bicycle", size: "512x512" }),
    ]);

    const body = JSON.parse(stdout) as { data: { url: string }[] };
    assertOpenAIShape("ImagesResponse", body);
    const url = body.data[0]!.url;
    expect(url).toMatch(new RegExp(`^${appUrl()}/api/images/img_[A-Za-z0-9_-]{32}$`));
    const image = await fetch(url);
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(await sharp(Buffer.from(await image.arrayBuffer())).metadata()).toMatchObject({ format: "png", width: 512, height: 512 });
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n - PRICE_512);

    const id = url.split("/").at(-1)!;
    const stored = await db.generatedImage.findUniqueOrThrow({ where: { id } });
    expect(stored.expiresAt.getTime() - Date.now()).toBeGreaterThan(59 * 60 * 1000);
    expect(stored.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(60 * 60 * 1000);
    await db.generatedImage.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await fetch(url)).status).toBe(404);
    expect((await fetch(`${appUrl()}/api/images/img_${"A".repeat(32)}`)).status).toBe(404);
  });

  it("refuses sizes the model does not make, too many images and unknown fields, before calling the upstream or charging", async () => {
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);
    const before = upstream.requestsFor(model.upstreamModel).length;

    for (const [body, param] of [
      [{ model: model.id, prompt: "x", size: "1024x1024" }, "size"],
      [{ model: model.id, prompt: "x", n: 11 }, "n"],
      [{ model: model.id, prompt: "" }, "prompt"],
      [{ model: model.id, prompt: "x", response_format: "webp" }, "response_format"],
      [{ model: model.id, prompt: "x", mask: "..." }, "mask"],
    ] as const) {
      const response = await postJson("/v1/images/generations", key.secret, body);
      expect(response.status).toBe(400);
      const error = await response.json();
      assertOpenAIShape("ErrorResponse", error);
      expect(error.error.param).toBe(param);
    }
    expect(upstream.requestsFor(model.upstreamModel).length).toBe(before);
    expect(await db.requestLog.count({ where: { userId: user.id, reserved: { gt: 0 } } })).toBe(0);
  });

  it("charges nothing when the upstream fails", async () => {
    const failing = await registerUpstreamModel(upstream, "IMAGE");
    upstream.behave(failing.upstreamModel, { failWith: 503 });
    const user = await fundedUser("1.00");
    const key = await newApiKey(user.id);

    const response = await postJson("/v1/images/generations", key.secret, { model: failing.id, prompt: "x", response_format: "b64_json" });

    expect(response.status).toBe(503);
    assertOpenAIShape("ErrorResponse", await response.json());
    expect(await requestLog(response.headers.get("x-request-id"))).toMatchObject({ status: "FAILED", cost: 0n });
    expect(await expectSettledBooks(user.id)).toBe(1_000_000_000n);
  });
});
