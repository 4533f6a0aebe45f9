// Seed data every deployment needs: the model registry, from prisma/models.json.
// Idempotent: run on every start; prices and providers follow the checked-in file. Rows that are
// not in the file (a model added by hand, or by a test) are left alone, and so is `enabled`, the
// operator's switch for taking a model out of service.
import { readFileSync } from "node:fs";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { z } from "zod";
import { Prisma, PrismaClient } from "../lib/generated/prisma/client";
import { usdToNanos } from "../lib/credits/money";
import { capabilitiesSchema } from "../lib/inference/capabilities";
import { localConfigSchema, parseImageSize, upstreamConfigSchema } from "../lib/inference/model-config";
import { projectRoot } from "../scripts/lib/project-root";

// Read when the seed runs, not built into the production server's bundle: a start loads the file as it is.
const MODELS_FILE = path.join(projectRoot, "prisma/models.json");

const dollars = z.string().regex(/^\d+(\.\d{1,9})?$/, 'a decimal dollar amount such as "0.18"');

const modelEntrySchema = z
  .strictObject({
    id: z.string().min(1),
    kind: z.enum(["CHAT", "IMAGE", "TRANSCRIPTION", "EMBEDDING", "SPEECH"]),
    displayName: z.string().min(1),
    description: z.string().min(1),
    ownedBy: z.string().min(1),
    contextLength: z.number().int().positive().nullable(),
    prices: z.strictObject({
      inputPerMillionTokens: dollars.optional(),
      outputPerMillionTokens: dollars.optional(),
      perImage: z
        .record(
          z.string().refine((size) => parseImageSize(size) !== null, "a size like 1024x1024"),
          dollars,
        )
        .optional(),
      perAudioMinute: dollars.optional(),
      perMillionCharacters: dollars.optional(),
    }),
    capabilities: capabilitiesSchema.optional(),
    provider: z.enum(["upstream", "local"]),
    providerConfig: z.unknown(),
    isDemo: z.boolean(),
  })
  .superRefine((entry, ctx) => {
    const config = (entry.provider === "upstream" ? upstreamConfigSchema : localConfigSchema).safeParse(entry.providerConfig);
    if (!config.success) ctx.addIssue({ code: "custom", path: ["providerConfig"], message: config.error.message });
    const needs = {
      CHAT: entry.contextLength !== null && entry.prices.inputPerMillionTokens && entry.prices.outputPerMillionTokens,
      IMAGE: entry.prices.perImage,
      TRANSCRIPTION: entry.prices.perAudioMinute,
      EMBEDDING: entry.contextLength !== null && entry.prices.inputPerMillionTokens,
      SPEECH: entry.prices.perMillionCharacters,
    };
    if (!needs[entry.kind]) ctx.addIssue({ code: "custom", path: ["prices"], message: `missing the prices (or context length) a ${entry.kind} model needs` });
  });

export type ModelEntry = z.infer<typeof modelEntrySchema>;

export function readModelsFile(): ModelEntry[] {
  let entries: unknown;
  try {
    entries = JSON.parse(readFileSync(MODELS_FILE, "utf8"));
  } catch (error) {
    throw new Error(`prisma/models.json can't be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = z.array(modelEntrySchema).safeParse(entries);
  if (!parsed.success) throw new Error(`prisma/models.json is invalid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function toRow(entry: ModelEntry) {
  const nanos = (usd: string | undefined) => (usd === undefined ? 0n : usdToNanos(usd));
  const imagePrices = entry.prices.perImage
    ? Object.fromEntries(Object.entries(entry.prices.perImage).map(([size, usd]) => [size, usdToNanos(usd).toString()]))
    : Prisma.DbNull;
  return {
    kind: entry.kind,
    displayName: entry.displayName,
    description: entry.description,
    ownedBy: entry.ownedBy,
    contextLength: entry.contextLength,
    inputPrice: nanos(entry.prices.inputPerMillionTokens),
    outputPrice: nanos(entry.prices.outputPerMillionTokens),
    imagePrices,
    audioMinutePrice: nanos(entry.prices.perAudioMinute),
    characterPrice: nanos(entry.prices.perMillionCharacters),
    capabilities: entry.capabilities ?? {},
    provider: entry.provider,
    providerConfig: entry.providerConfig as object,
    isDemo: entry.isDemo,
  };
}

export async function seedDatabase(databaseUrl: string): Promise<void> {
  const entries = readModelsFile();
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 2 }) });
  try {
    for (const entry of entries) {
      const row = toRow(entry);
      await prisma.model.upsert({ where: { id: entry.id }, create: { id: entry.id, ...row }, update: row });
    }
  } finally {
    await prisma.$disconnect();
  }
}
