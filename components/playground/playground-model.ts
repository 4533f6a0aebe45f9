// A model as the playground's pickers show it: serialisable (it crosses from server to browser),
// with its prices already written for people and, for chat models, what they accept beyond text.
import type { ModelCapabilities } from "@/lib/inference/capabilities";

export interface PlaygroundModel {
  id: string;
  displayName: string;
  description: string;
  isDemo: boolean;
  /** Null when this deployment can serve it; otherwise why not, in words. */
  unavailableReason: string | null;
  contextLength: number | null;
  /** One line of prices, e.g. "$0.05 in · $0.10 out per 1M tokens". */
  priceSummary: string;
  /** Image models: the sizes they make, cheapest first, with the price of one image. */
  imageSizes: { size: string; width: number; height: number; price: string }[];
  /** Chat models: tools, JSON mode, image inputs… (the playground offers only what the model takes). */
  capabilities: ModelCapabilities;
}

export type PlaygroundModelKind = "CHAT" | "IMAGE" | "TRANSCRIPTION" | "SPEECH" | "EMBEDDING";

/** The first model that can serve requests, to preselect in a picker. */
export function firstAvailable(models: readonly PlaygroundModel[]): PlaygroundModel | undefined {
  return models.find((model) => model.unavailableReason === null);
}
