// Image generation, for POST /v1/images/generations and the playground: validate, price by size
// × n, reserve, generate, settle. Images asked for as `url` are kept in GeneratedImage for an hour
// under an unguessable id and served by GET /api/images/{id} without authentication, like the
// signed links OpenAI returns.
import "server-only";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { db } from "@/lib/db";
import { DomainError } from "@/lib/errors";
import { parseImageSize } from "@/lib/inference/model-config";
import { meteredCall, type InferenceOptions, type InferencePrincipal, type MeteredAnswer } from "@/lib/inference/metering";
import { imageCost } from "@/lib/inference/pricing";
import { providerFor } from "@/lib/inference/providers";
import { noValueAccepted, onlyOff, parseRequest } from "@/lib/inference/request-fields";
import { requireModel, type RegisteredModel } from "@/lib/inference/registry";

export const IMAGES_ENDPOINT = "/v1/images/generations";
export const IMAGE_URL_TTL_MS = 60 * 60 * 1000;
const MAX_IMAGES_PER_REQUEST = 10;
const PREFERRED_DEFAULT_SIZE = "1024x1024";

// Quality, style, background and moderation are hints our models cannot follow and that do not
// change what comes back, so they are accepted and ignored; the rest of the policy is the one
// described in chat-request.ts.
const imageRequestSchema = z.strictObject({
  model: z.string().min(1),
  prompt: z.string().min(1).max(32_000),
  n: z.number().int().min(1).max(MAX_IMAGES_PER_REQUEST).nullish(),
  size: z.string().nullish(),
  response_format: z.enum(["url", "b64_json"]).nullish(),
  user: z.string().nullish(),
  quality: z.string().nullish(),
  style: z.string().nullish(),
  background: z.string().nullish(),
  moderation: z.string().nullish(),
  output_compression: z.number().int().min(0).max(100).nullish(),
  output_format: onlyOff((v) => v === "png", 'only "png" is supported'),
  stream: onlyOff((v) => v === false, "streaming image generation is not supported"),
  partial_images: onlyOff((v) => v === 0, "partial images are not supported"),
  input_fidelity: onlyOff(noValueAccepted, "image editing is not supported"),
});

export interface ImagesResponse {
  created: number;
  data: ({ b64_json: string } | { url: string })[];
  output_format: "png";
}

export interface CreateImagesOptions extends InferenceOptions {
  /** Origin the image links point at, e.g. "https://api.ecolink.example". Required for `url`. */
  publicOrigin?: string;
}

function chooseSize(model: RegisteredModel, asked: string | null | undefined): string {
  const sizes = [...model.prices.perImage.keys()];
  if (asked == null || asked === "auto") {
    const fallback = sizes.includes(PREFERRED_DEFAULT_SIZE) ? PREFERRED_DEFAULT_SIZE : sizes[0];
    if (!fallback) throw new DomainError("not_configured", `${model.id} has no image sizes configured.`);
    return fallback;
  }
  if (!model.prices.perImage.has(asked)) {
    throw new DomainError("invalid_request", `'${asked}' is not a supported size for ${model.id}. Supported sizes: ${sizes.join(", ")}.`, { param: "size" });
  }
  return asked;
}

function newImageId(): string {
  return `img_${randomBytes(24).toString("base64url")}`;
}

async function storeImages(userId: string, images: Uint8Array[]): Promise<string[]> {
  const now = Date.now();
  const rows = images.map((png) => ({ id: newImageId(), userId, png: new Uint8Array(png), expiresAt: new Date(now + IMAGE_URL_TTL_MS) }));
  await db.generatedImage.createMany({ data: rows });
  // Expired images are useless; clearing them here keeps the table at about an hour of images.
  db.generatedImage.deleteMany({ where: { expiresAt: { lt: new Date(now) } } }).catch((error: unknown) => {
    console.error("Could not delete expired generated images:", error);
  });
  return rows.map((row) => row.id);
}

export async function createImages(principal: InferencePrincipal, body: unknown, options: CreateImagesOptions = {}): Promise<MeteredAnswer<ImagesResponse>> {
  const startedAt = performance.now();
  const request = parseRequest(imageRequestSchema, body);
  const model = await requireModel(request.model, "IMAGE");
  const size = chooseSize(model, request.size);
  const dimensions = parseImageSize(size)!;
  const n = request.n ?? 1;
  const format = request.response_format ?? "url";
  if (format === "url" && !options.publicOrigin) throw new Error("createImages needs publicOrigin to answer with URLs");

  const hold = imageCost(model.prices, size, n);
  return meteredCall({ principal, modelId: model.id, endpoint: IMAGES_ENDPOINT, hold, options, startedAt }, async ({ signal }) => {
    const images = await providerFor(model).generateImages(model, { prompt: request.prompt, size, ...dimensions, n }, signal);
    let data: ImagesResponse["data"];
    if (format === "b64_json") {
      data = images.map((png) => ({ b64_json: Buffer.from(png).toString("base64") }));
    } else {
      const ids = await storeImages(principal.userId, images);
      data = ids.map((id) => ({ url: `${options.publicOrigin}/api/images/${id}` }));
    }
    return {
      usage: { cost: imageCost(model.prices, size, data.length), images: data.length },
      answer: () => ({ created: Math.floor(Date.now() / 1000), data, output_format: "png" as const }),
    };
  });
}

/** The PNG behind an image link, while it has not expired. */
export async function getGeneratedImage(id: string): Promise<{ png: Uint8Array; expiresAt: Date } | null> {
  if (!/^img_[A-Za-z0-9_-]{32}$/.test(id)) return null;
  const image = await db.generatedImage.findUnique({ where: { id }, select: { png: true, expiresAt: true } });
  if (!image || image.expiresAt.getTime() <= Date.now()) return null;
  return image;
}
