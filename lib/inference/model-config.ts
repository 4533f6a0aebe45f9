// How a Model row says where it runs. Shared by the seed (which writes prisma/models.json into the
// Model table) and the registry (which reads it back), so the two can never disagree on the shape.
import { z } from "zod";

export const LOCAL_ENGINES = ["tiny-chat", "pattern", "pocketsphinx", "hashed-ngrams", "festival"] as const;
export type LocalEngine = (typeof LOCAL_ENGINES)[number];

/** Any OpenAI-compatible server; `baseUrl` null means "not deployed here" unless MODEL_UPSTREAMS names one. */
export const upstreamConfigSchema = z.object({
  baseUrl: z.url().nullable().default(null),
  upstreamModel: z.string().min(1),
  /** Name of the environment variable holding the upstream's API key, if it wants one. */
  apiKeyEnv: z.string().min(1).optional(),
});

export const localConfigSchema = z.object({ engine: z.enum(LOCAL_ENGINES) });

export type UpstreamConfig = z.infer<typeof upstreamConfigSchema>;
export type LocalConfig = z.infer<typeof localConfigSchema>;

/** "1024x1024" → { width: 1024, height: 1024 } */
export function parseImageSize(size: string): { width: number; height: number } | null {
  const match = /^(\d{2,5})x(\d{2,5})$/.exec(size);
  if (!match) return null;
  return { width: Number(match[1]), height: Number(match[2]) };
}
