import { readFile } from "node:fs/promises";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import sharp from "sharp";
import { KNOWN_SENTENCE } from "../support/speech-fixtures";
import { startUpstreamServer, type UpstreamServer } from "../support/upstream-server";
import { getBalance, ledgerTotal } from "@/lib/credits/ledger";
import { formatUsd, formatUsdPrecise } from "@/lib/credits/money";
import { db } from "@/lib/db";
import { CHROMIUM_ARGS } from "../support/chromium";
import { createSignedInUser } from "./helpers/session";

const KNOWN_SENTENCE_WAV = path.resolve(__dirname, "../fixtures/known-sentence.wav");
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

// Chromium's fake microphone plays the known sentence (over and over), so recording needs no device.
test.use({
  launchOptions: {
    executablePath: "/usr/bin/chromium",
    args: [...CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-audio-capture=${KNOWN_SENTENCE_WAV}`],
  },
});

test.setTimeout(180_000);

let upstream: UpstreamServer;
test.beforeAll(async () => {
  upstream = await startUpstreamServer();
});
test.afterAll(async () => {
  await upstream?.close();
});

function headerBalance(page: Page) {
  return page.getByTestId("header-balance");
}

async function playgroundRequests(userId: string) {
  return db.requestLog.findMany({ where: { userId, source: "PLAYGROUND" }, orderBy: { createdAt: "asc" } });
}

/** Nothing is held, the balance is the sum of the ledger, and each request's cost is exactly its ledger debit. */
async function expectBooksBalance(userId: string) {
  const { balance, held } = await getBalance(userId);
  expect(held).toBe(0n);
  expect(balance).toBe(await ledgerTotal(userId));
  for (const request of await playgroundRequests(userId)) {
    const charge = await db.ledgerEntry.findUnique({ where: { reference: `request:${request.id}` } });
    expect(charge?.amount ?? 0n).toBe(-request.cost);
  }
}

async function expectHeaderShowsBalance(page: Page, userId: string) {
  await expect(headerBalance(page)).toHaveText(formatUsdPrecise((await getBalance(userId)).available));
}

/** A chat model served by the loopback upstream, streaming one token every `tokenDelayMs`, with the given capabilities. */
async function registerLoopbackChatModel(
  tokenDelayMs: number,
  capabilities: { tools?: boolean; json?: boolean; vision?: boolean } = {},
): Promise<{ id: string; upstreamModel: string }> {
  const suffix = Math.random().toString(36).slice(2, 10);
  const model = { id: `test-org/chat-${suffix}`, upstreamModel: `loopback-${suffix}` };
  await db.model.create({
    data: {
      id: model.id,
      kind: "CHAT",
      displayName: `Loopback chat ${suffix}`,
      description: "A model served by the tests' loopback upstream.",
      ownedBy: "test-org",
      contextLength: 4096,
      inputPrice: 200_000_000n,
      outputPrice: 600_000_000n,
      provider: "upstream",
      providerConfig: { baseUrl: upstream.baseUrl, upstreamModel: model.upstreamModel },
      capabilities,
    },
  });
  upstream.behave(model.upstreamModel, { tokenDelayMs });
  return model;
}

/** Opens the chat playground with `model` selected, once the model registry (cached for a few seconds) lists it. */
async function openChatWith(page: Page, model: string) {
  await expect(async () => {
    await page.goto("/playground/chat");
    await page.getByLabel("Model").selectOption(model, { timeout: 5_000 });
  }).toPass({ timeout: 60_000 });
}

test("chat with the demo model: a reply shows its tokens, cost and speed, the header balance follows, and regenerate, edit-and-resend, view code and clear work", async ({
  page,
}) => {
  // Under a cent the header shows the balance to the nano-dollar, so a demo reply's tiny charge shows.
  const user = await createSignedInUser(page, { credit: "0.005", label: "chat" });
  await page.goto("/playground");
  await expect(page).toHaveURL(/\/playground\/chat$/);
  await expect(page.getByRole("link", { name: "Chat" })).toHaveAttribute("aria-current", "page");
  await page.getByLabel("Model").selectOption("ecolink/tiny-chat");
  await expect(headerBalance(page)).toHaveText("$0.005");

  const composer = page.getByLabel("Message", { exact: true });
  await composer.fill("Tell me about");
  await composer.press("Shift+Enter");
  await composer.pressSequentially("the sea");
  await expect(composer).toHaveValue("Tell me about\nthe sea");
  await composer.press("Enter");
  await expect(composer).toHaveValue("");
  await expect(page.getByRole("article", { name: "Your message" })).toHaveText(/Tell me about\s*the sea/);

  const reply = page.getByRole("article", { name: "Reply" });
  const stats = reply.getByLabel("Reply statistics");
  await expect(stats).toBeVisible({ timeout: 60_000 });
  await expect(reply.locator("p, li, pre").first()).not.toBeEmpty();
  const [first] = await playgroundRequests(user.id);
  expect(first).toMatchObject({ status: "SUCCEEDED", modelId: "ecolink/tiny-chat", endpoint: "/v1/chat/completions", apiKeyId: null });
  expect(first!.cost).toBeGreaterThan(0n);
  await expect(stats).toContainText(`Tokens in${first!.inputTokens}`);
  await expect(stats).toContainText(`Tokens out${first!.outputTokens}`);
  await expect(stats).toContainText(`Cost${formatUsd(first!.cost)}`);
  await expect(stats).toContainText(/Time to first token\d/);
  await expect(stats).toContainText(/Speed[\d.]+ tokens\/s/);
  await expectHeaderShowsBalance(page, user.id);
  await expect(headerBalance(page)).not.toHaveText("$0.005");

  // Regenerate replaces the reply with a new, separately billed one.
  await reply.getByRole("button", { name: "Regenerate" }).click();
  await expect.poll(async () => (await playgroundRequests(user.id)).filter((r) => r.status === "SUCCEEDED").length, { timeout: 60_000 }).toBe(2);
  await expect(page.getByRole("article", { name: "Reply" })).toHaveCount(1);
  await expect(stats).toBeVisible();

  // Edit the last message and resend it: the conversation continues from the edited text.
  await page.getByRole("article", { name: "Your message" }).getByRole("button", { name: "Edit" }).click();
  const editor = page.getByLabel("Edit message");
  await expect(editor).toBeFocused();
  await editor.fill("Tell me about the moon");
  await editor.press("Enter");
  await expect(page.getByRole("article", { name: "Your message" })).toHaveText(/Tell me about the moon/);
  await expect.poll(async () => (await playgroundRequests(user.id)).filter((r) => r.status === "SUCCEEDED").length, { timeout: 60_000 }).toBe(3);
  await expect(page.getByRole("article", { name: "Reply" }).getByLabel("Reply statistics")).toBeVisible();
  await expectHeaderShowsBalance(page, user.id);

  // View code shows this conversation as the request the API would get.
  await composer.fill("And the stars?");
  await page.getByRole("button", { name: "View code" }).click();
  const code = page.getByRole("dialog", { name: "View code" });
  const origin = new URL(page.url()).origin;
  await expect(code.getByRole("tabpanel")).toContainText(`curl -N ${origin}/v1/chat/completions`);
  await expect(code.getByRole("tabpanel")).toContainText('"model": "ecolink/tiny-chat"');
  await expect(code.getByRole("tabpanel")).toContainText('"content": "Tell me about the moon"');
  await expect(code.getByRole("tabpanel")).toContainText('"content": "And the stars?"');
  await code.getByRole("tab", { name: "Python" }).click();
  await expect(code.getByRole("tabpanel")).toContainText(`base_url="${origin}/v1"`);
  await expect(code.getByRole("tabpanel")).toContainText('api_key=os.environ["ECOLINK_API_KEY"]');
  await code.getByRole("tab", { name: "JavaScript" }).click();
  await expect(code.getByRole("tabpanel")).toContainText("client.chat.completions.create(");
  await expect(code.getByRole("button", { name: "Copy JavaScript" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(code).toBeHidden();

  await page.getByRole("button", { name: "Clear" }).click();
  await expect(page.getByRole("article")).toHaveCount(0);
  await expect(page.getByText("Start a conversation")).toBeVisible();
  await expectBooksBalance(user.id);
});

test("chat streaming: the reply grows token by token, and Stop ends generation on the server and bills only what was generated", async ({ page }) => {
  const user = await createSignedInUser(page, { credit: "1.00", label: "stream" });
  // 40 ms a token: slow enough to watch the reply grow and to stop it halfway.
  const model = await registerLoopbackChatModel(40);
  await openChatWith(page, model.id);
  await page.getByLabel("Max tokens").fill("30");
  const composer = page.getByLabel("Message", { exact: true });
  await composer.fill("Say hello");
  await composer.press("Enter");

  const reply = page.getByRole("article", { name: "Reply" }).last();
  const stats = reply.getByLabel("Reply statistics");
  const seen: string[] = [];
  await expect
    .poll(
      async () => {
        const text = (
          await reply
            .locator("p")
            .first()
            .textContent()
            .catch(() => null)
        )?.trim();
        if (text && seen[seen.length - 1] !== text) seen.push(text);
        return stats.count();
      },
      { intervals: [25], timeout: 30_000 },
    )
    .toBeGreaterThan(0);
  // The reply was seen in several states, each extending the one before.
  expect(seen.length).toBeGreaterThan(2);
  for (let i = 1; i < seen.length; i++) expect(seen[i]!.startsWith(seen[i - 1]!)).toBe(true);
  const [first] = await playgroundRequests(user.id);
  expect(first).toMatchObject({ status: "SUCCEEDED", outputTokens: 30 });
  await expect(stats).toContainText(`Cost${formatUsd(first!.cost)}`);

  // This reply could run to 400 tokens (16 s); Stop cuts it short.
  await page.getByLabel("Max tokens").fill("400");
  await composer.fill("Tell me a long story");
  await page.getByRole("button", { name: "Send" }).click();
  const second = page.getByRole("article", { name: "Reply" }).last();
  await expect(second).toContainText("Hello from the loopback");
  await page.getByRole("button", { name: "Stop" }).click();
  await expect(second).toContainText("Stopped");
  await expect(composer).toBeFocused();

  await expect.poll(async () => (await playgroundRequests(user.id))[1]?.status, { timeout: 15_000 }).toBe("CANCELLED");
  const stopped = (await playgroundRequests(user.id))[1]!;
  expect(stopped.outputTokens).toBeGreaterThan(0);
  expect(stopped.outputTokens).toBeLessThan(400);
  expect(stopped.cost).toBeGreaterThan(0n);
  await expect(second.getByLabel("Reply statistics")).toContainText(`Tokens out${stopped.outputTokens}`);
  await expect(second.getByLabel("Reply statistics")).toContainText(`Cost${formatUsd(stopped.cost)}`);
  const upstreamCall = (await upstream.waitForEnded(model.upstreamModel, 2))[1]!;
  expect(upstreamCall.aborted).toBe(true);
  expect(upstreamCall.tokensSent).toBeLessThan(400);
  await expectBooksBalance(user.id);
  await expectHeaderShowsBalance(page, user.id);
});

test("chat with functions: the streamed tool call is shown with its arguments, the typed result goes back as a tool message, and the model continues", async ({
  page,
}) => {
  const user = await createSignedInUser(page, { credit: "1.00", label: "tools" });
  const model = await registerLoopbackChatModel(0, { tools: true, json: true });
  upstream.behave(model.upstreamModel, { toolCall: { name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' } });

  // A model without tool calling or JSON mode offers neither.
  await page.goto("/playground/chat");
  await page.getByLabel("Model").selectOption("ecolink/tiny-chat");
  await expect(page.getByText("Not supported by this model: function calling, JSON mode, image inputs.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Add function" })).toHaveCount(0);
  await expect(page.getByLabel("Response format")).toHaveCount(0);
  await expect(page.getByLabel("Attach image")).toHaveCount(0);

  await openChatWith(page, model.id);
  await page.getByRole("button", { name: "Add function" }).click();
  const definition = page.getByRole("group", { name: "Function 1" });
  await expect(definition.getByLabel("Name")).toBeFocused();
  await expect(definition.getByLabel("Name")).toHaveValue("get_weather");
  // A parameters schema that is not JSON is named as such and blocks sending.
  await definition.getByLabel("Parameters (JSON Schema)").fill("{ city: string }");
  await expect(definition.getByText(/This is not valid JSON/)).toBeVisible();
  const composer = page.getByLabel("Message", { exact: true });
  await composer.fill("What is the weather in Paris?");
  await expect(page.getByRole("button", { name: "Send" })).toBeDisabled();
  const parameters = {
    type: "object",
    properties: { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
    required: ["city"],
  };
  await definition.getByLabel("Parameters (JSON Schema)").fill(JSON.stringify(parameters, null, 2));
  await composer.press("Enter");

  const reply = page.getByRole("article", { name: "Reply" });
  const calls = reply.getByRole("list", { name: "Function calls" });
  await expect(calls).toContainText("Function call get_weather");
  // The arguments came in pieces and are shown whole, indented.
  await expect(calls.locator("pre")).toHaveText(JSON.stringify({ city: "Paris", unit: "celsius" }, null, 2));
  await expect(page.getByRole("button", { name: "Send", exact: true })).toBeDisabled();
  const [asked] = upstream.requestsFor(model.upstreamModel);
  expect(asked!.body.tools).toEqual([{ type: "function", function: { name: "get_weather", description: "The current weather in a city.", parameters } }]);

  // View code shows the tools too.
  await page.getByRole("button", { name: "View code" }).click();
  const code = page.getByRole("dialog", { name: "View code" });
  await expect(code.getByRole("tabpanel")).toContainText('"name": "get_weather"');
  await code.getByRole("tab", { name: "Python" }).click();
  await expect(code.getByRole("tabpanel")).toContainText("tools=[");
  await expect(code.getByRole("tabpanel")).toContainText("delta.tool_calls");
  await page.keyboard.press("Escape");

  const results = page.getByRole("form", { name: "Function results" });
  await results.getByLabel("Result of get_weather").fill('{"temperature": 21}');
  await results.getByRole("button", { name: "Send result" }).click();
  await expect(page.getByRole("article", { name: "Function result" })).toContainText('{"temperature": 21}');
  await expect(page.getByRole("article", { name: "Reply" }).last()).toContainText("Hello from the loopback");
  await expect(page.getByRole("article", { name: "Reply" }).last().getByLabel("Reply statistics")).toBeVisible();

  const [, followUp] = await upstream.waitForEnded(model.upstreamModel, 2);
  const messages = followUp!.body.messages as Record<string, unknown>[];
  // The call's id is the upstream's, sent back with the call and with its result.
  const callId = (messages.at(-2)!.tool_calls as { id: string }[])[0]!.id;
  expect(callId).toMatch(/^call_loopback_/);
  expect(messages.slice(-3)).toEqual([
    { role: "user", content: "What is the weather in Paris?" },
    {
      role: "assistant",
      content: null,
      tool_calls: [{ id: callId, type: "function", function: { name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' } }],
    },
    { role: "tool", tool_call_id: callId, content: '{"temperature": 21}' },
  ]);
  expect(await playgroundRequests(user.id)).toHaveLength(2);
  await expectBooksBalance(user.id);
});

test("chat JSON mode and images: a JSON-schema reply format and an attached image reach the upstream as response_format and an image_url part", async ({
  page,
}) => {
  const user = await createSignedInUser(page, { credit: "1.00", label: "vision" });
  const model = await registerLoopbackChatModel(0, { json: true, vision: true });
  await openChatWith(page, model.id);

  await page.getByLabel("Response format").selectOption("json_schema");
  const schema = page.getByLabel("JSON schema");
  await schema.fill("[1, 2]");
  await expect(page.getByText("Write a JSON object ({ … }).")).toBeVisible();
  const wanted = { type: "object", properties: { colour: { type: "string" } }, required: ["colour"], additionalProperties: false };
  await schema.fill(JSON.stringify(wanted));
  await page.getByLabel("Schema name").fill("colour_answer");

  // Too large an image is refused before anything is sent, in words.
  const attach = page.getByLabel("Attach image");
  await attach.setInputFiles({ name: "huge.png", mimeType: "image/png", buffer: Buffer.alloc(1536 * 1024, 1) });
  await expect(page.getByRole("alert").filter({ hasText: "Image not attached" })).toContainText("“huge.png” is 1.5 MB; an image can be at most 1.0 MB.");
  const png = await sharp({ create: { width: 24, height: 16, channels: 3, background: { r: 220, g: 40, b: 40 } } })
    .png()
    .toBuffer();
  await attach.setInputFiles({ name: "red.png", mimeType: "image/png", buffer: png });
  await expect(page.getByRole("list", { name: "Attached images" }).getByRole("img", { name: "red.png" })).toBeVisible();
  await expect(page.getByRole("alert").filter({ hasText: "Image not attached" })).toHaveCount(0);

  await page.getByLabel("Message", { exact: true }).fill("What colour is this? Answer in JSON.");
  await page.getByRole("button", { name: "View code" }).click();
  const code = page.getByRole("dialog", { name: "View code" });
  await expect(code.getByRole("tabpanel")).toContainText(`IMAGE_1="data:image/png;base64,$(base64 < 'image-1.png'`);
  await expect(code.getByRole("tabpanel")).toContainText('"type": "json_schema"');
  await code.getByRole("tab", { name: "JavaScript" }).click();
  await expect(code.getByRole("tabpanel")).toContainText('readFileSync("image-1.png")');
  await expect(code.getByRole("tabpanel")).toContainText("url: image1");
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: "Send" }).click();

  const sent = page.getByRole("article", { name: "Your message" });
  await expect(sent.getByRole("img", { name: "red.png" })).toBeVisible();
  await expect(page.getByRole("article", { name: "Reply" }).getByLabel("Reply statistics")).toBeVisible({ timeout: 30_000 });
  const [received] = await upstream.waitForEnded(model.upstreamModel, 1);
  expect(received!.body.response_format).toEqual({ type: "json_schema", json_schema: { name: "colour_answer", schema: wanted, strict: true } });
  expect((received!.body.messages as Record<string, unknown>[]).at(-1)).toEqual({
    role: "user",
    content: [
      { type: "text", text: "What colour is this? Answer in JSON." },
      { type: "image_url", image_url: { url: `data:image/png;base64,${png.toString("base64")}` } },
    ],
  });
  await expectBooksBalance(user.id);
});

test("speech: the local model's audio plays in the page, downloads as a WAV file, and is billed", async ({ page }) => {
  const user = await createSignedInUser(page, { credit: "1.00", label: "speech" });
  await page.goto("/playground/speech");
  await expect(page.getByRole("link", { name: "Speech", exact: true })).toHaveAttribute("aria-current", "page");
  await page.getByLabel("Model").selectOption("ecolink/festival-slt");
  await page.getByLabel("Text", { exact: true }).fill("The weather is lovely today.");
  await page.getByLabel("Format").selectOption("wav");
  await page.getByRole("button", { name: "Speak" }).click();

  const audio = page.getByLabel("Synthesised speech");
  await expect(audio).toBeVisible({ timeout: 60_000 });
  // The browser decodes it: a real, playable recording of a second or more.
  const duration = await audio.evaluate(async (element: HTMLAudioElement) => {
    if (Number.isNaN(element.duration)) await new Promise((resolve) => element.addEventListener("loadedmetadata", resolve, { once: true }));
    return element.duration;
  });
  expect(duration).toBeGreaterThan(1);
  expect(await audio.evaluate((element: HTMLAudioElement) => element.play().then(() => true))).toBe(true);

  const [request] = await playgroundRequests(user.id);
  expect(request).toMatchObject({ status: "SUCCEEDED", endpoint: "/v1/audio/speech", modelId: "ecolink/festival-slt", apiKeyId: null });
  await expect(page.getByRole("region", { name: "Speech" }).getByText(`Cost ${formatUsd(request!.cost)}`)).toBeVisible();

  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download WAV" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/\.wav$/);
  const bytes = await readFile(await download.path());
  expect(bytes.subarray(0, 4).toString("ascii")).toBe("RIFF");
  expect(bytes.subarray(8, 12).toString("ascii")).toBe("WAVE");

  await page.getByRole("button", { name: "View code" }).click();
  await expect(page.getByRole("dialog", { name: "View code" }).getByRole("tabpanel")).toContainText(`/v1/audio/speech`);
  await page.keyboard.press("Escape");
  await expectBooksBalance(user.id);
  await expectHeaderShowsBalance(page, user.id);
});

test("embeddings: texts are embedded with the local model, each vector is summed up, and the similarity matrix has 1.00 on its diagonal", async ({ page }) => {
  const user = await createSignedInUser(page, { credit: "1.00", label: "embed" });
  await page.goto("/playground/embeddings");
  await expect(page.getByRole("link", { name: "Embeddings", exact: true })).toHaveAttribute("aria-current", "page");
  await page.getByLabel("Model").selectOption("ecolink/hashed-ngrams");
  await page.getByRole("button", { name: "Add text" }).click();
  await expect(page.getByRole("textbox", { name: "Text 4" })).toBeFocused();
  await page.getByRole("textbox", { name: "Text 4" }).fill("The cat sat on the mat.");
  await page.getByRole("button", { name: "Embed", exact: true }).click();

  const matrix = page.getByRole("table", { name: "Cosine similarity" });
  await expect(matrix).toBeVisible({ timeout: 60_000 });
  const rows = matrix.locator("tbody tr");
  await expect(rows).toHaveCount(4);
  for (let i = 0; i < 4; i++) await expect(rows.nth(i).locator("td").nth(i)).toHaveText("1.00");
  // Texts 1 and 4 are the same sentence; 1 and 2 say nearly the same; 3 is about something else.
  await expect(rows.nth(0).locator("td").nth(3)).toHaveText("1.00");
  const similarity = async (row: number, column: number) => Number(await rows.nth(row).locator("td").nth(column).textContent());
  expect(await similarity(0, 1)).toBeGreaterThan(await similarity(0, 2));

  const vectors = page.getByRole("table", { name: "Vectors" });
  await expect(vectors.locator("tbody tr")).toHaveCount(4);
  await expect(vectors.locator("tbody tr").first()).toContainText("1.000");

  const [request] = await playgroundRequests(user.id);
  expect(request).toMatchObject({ status: "SUCCEEDED", endpoint: "/v1/embeddings", modelId: "ecolink/hashed-ngrams", apiKeyId: null });
  expect(request!.inputTokens).toBeGreaterThan(0);
  await expect(page.getByRole("region", { name: "Embeddings" }).getByText(`Cost ${formatUsd(request!.cost)}`)).toBeVisible();
  await expectBooksBalance(user.id);
});

test("images: the preview is a real PNG of the requested size, enlarges in a dialog, downloads as a PNG, and is billed", async ({ page }) => {
  const user = await createSignedInUser(page, { credit: "0.005", label: "images" });
  await page.goto("/playground/images");
  await expect(page.getByRole("link", { name: "Images" })).toHaveAttribute("aria-current", "page");

  await page.getByLabel("Prompt").fill("Concentric circles in teal and orange");
  await page.getByLabel("Model").selectOption("ecolink/pattern");
  await page.getByLabel("Size").selectOption("256x256");
  await page.getByLabel("Number of images").selectOption("2");
  await page.getByRole("button", { name: "Generate" }).click();

  const grid = page.getByRole("region", { name: "Generated images" });
  const first = grid.getByRole("img", { name: /^Result 1/ });
  await expect(first).toBeVisible({ timeout: 60_000 });
  await expect(grid.getByRole("img")).toHaveCount(2);
  expect(await first.evaluate((img: HTMLImageElement) => ({ width: img.naturalWidth, height: img.naturalHeight }))).toEqual({ width: 256, height: 256 });

  const [request] = await playgroundRequests(user.id);
  expect(request).toMatchObject({ status: "SUCCEEDED", images: 2, endpoint: "/v1/images/generations", apiKeyId: null });
  await expect(grid.getByText(`Cost ${formatUsd(request!.cost)}`)).toBeVisible();
  await expectHeaderShowsBalance(page, user.id);
  await expect(headerBalance(page)).not.toHaveText("$0.005");

  await grid.getByRole("button", { name: "Enlarge image 1" }).click();
  const dialog = page.getByRole("dialog", { name: "Image 1" });
  await expect(dialog.getByRole("img")).toBeVisible();
  const downloading = page.waitForEvent("download");
  await dialog.getByRole("link", { name: "Download PNG" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/\.png$/);
  const bytes = await readFile(await download.path());
  expect([...bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(grid.getByRole("button", { name: "Enlarge image 1" })).toBeFocused();
  await expectBooksBalance(user.id);
});

test("audio: speech recorded from the microphone and the same speech uploaded as a file are both transcribed, with duration and cost", async ({ page }) => {
  const user = await createSignedInUser(page, { credit: "1.00", label: "audio" });
  await page.goto("/playground/audio");
  await page.getByLabel("Model").selectOption("pocketsphinx/en-us");
  await page.getByLabel("Language").selectOption("en");
  const transcript = page.getByTestId("transcript-text");
  const details = page.getByLabel("Transcription details");

  // The fake microphone plays the sentence in a loop; record a little more than one reading of it.
  const sentenceSeconds = ((await readFile(KNOWN_SENTENCE_WAV)).length - 44) / (16_000 * 2);
  await page.getByRole("button", { name: "Start recording" }).click();
  await expect(page.getByRole("meter", { name: "Microphone level" })).toBeVisible();
  await expect
    .poll(async () => Number(await page.getByRole("meter", { name: "Microphone level" }).getAttribute("aria-valuenow")), { timeout: 10_000 })
    .toBeGreaterThan(0);
  await expect(page.getByRole("timer", { name: "Recording time" })).toHaveText(`0:0${Math.ceil(sentenceSeconds) + 1}`, { timeout: 30_000 });
  await page.getByRole("button", { name: "Stop and transcribe" }).click();
  await expect(transcript).toContainText("favorite color is blue", { timeout: 60_000 });
  const [recorded] = await playgroundRequests(user.id);
  expect(recorded).toMatchObject({ status: "SUCCEEDED", endpoint: "/v1/audio/transcriptions", apiKeyId: null });
  expect(recorded!.audioSeconds).toBeGreaterThan(sentenceSeconds);
  await expect(details).toContainText(`Cost${formatUsd(recorded!.cost)}`);

  await page.getByLabel("Audio file").setInputFiles(KNOWN_SENTENCE_WAV);
  await expect(page.getByText("known-sentence.wav")).toBeVisible();
  await page.getByRole("button", { name: "Transcribe file" }).click();
  await expect(transcript).toHaveText(KNOWN_SENTENCE, { timeout: 60_000 });
  const uploaded = (await playgroundRequests(user.id))[1]!;
  expect(uploaded.audioSeconds).toBeCloseTo(sentenceSeconds, 1);
  await expect(details).toContainText(`Duration${uploaded.audioSeconds.toFixed(1)} s`);
  await expect(details).toContainText(`Cost${formatUsd(uploaded.cost)}`);

  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download SRT" }).click();
  const srt = await readFile(await (await downloading).path(), "utf8");
  expect(srt).toMatch(/^1\n00:00:\d\d,\d{3} --> 00:00:\d\d,\d{3}\n/);
  expect(srt).toContain("blue");

  // A file that is not audio is refused before anything is uploaded.
  await page.getByLabel("Audio file").setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") });
  await expect(page.getByRole("alert").filter({ hasText: "notes.txt" })).toContainText("“notes.txt” is not an audio file we can read.");
  expect(await playgroundRequests(user.id)).toHaveLength(2);
  await expectBooksBalance(user.id);
  await expectHeaderShowsBalance(page, user.id);

  // Without microphone access the page says why, and uploading still works.
  await page.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
  });
  await page.reload();
  await page.getByRole("button", { name: "Start recording" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Recording is not available" })).toContainText("Microphone access was denied.");
  await page.getByLabel("Audio file").setInputFiles(KNOWN_SENTENCE_WAV);
  await expect(page.getByRole("button", { name: "Transcribe file" })).toBeEnabled();
});

test("out of credit: chat and images say so in words with a link to Billing, and nothing is charged", async ({ page }) => {
  const user = await createSignedInUser(page, { credit: "0", label: "broke" });
  await page.goto("/playground/chat");
  await page.getByLabel("Model").selectOption("ecolink/tiny-chat");
  await page.getByLabel("Message", { exact: true }).fill("Hello?");
  await page.getByRole("button", { name: "Send" }).click();
  const chatAlert = page.getByRole("alert").filter({ hasText: "Out of credit" });
  await expect(chatAlert).toContainText("Out of credit — top up to continue");
  await expect(chatAlert).toContainText("Nothing was charged.");
  await expect(chatAlert.getByRole("link", { name: "Go to Billing" })).toHaveAttribute("href", "/billing");

  await page.goto("/playground/images");
  await page.getByLabel("Prompt").fill("A red square");
  await page.getByLabel("Model").selectOption("ecolink/pattern");
  await page.getByRole("button", { name: "Generate" }).click();
  const imagesAlert = page.getByRole("alert").filter({ hasText: "Out of credit" });
  await expect(imagesAlert.getByRole("link", { name: "Go to Billing" })).toHaveAttribute("href", "/billing");

  expect(await db.ledgerEntry.count({ where: { userId: user.id } })).toBe(0);
  expect(await playgroundRequests(user.id)).toEqual([]);
  expect(await getBalance(user.id)).toEqual({ balance: 0n, held: 0n, available: 0n });
  await expect(headerBalance(page)).toHaveText("$0.00");
});
